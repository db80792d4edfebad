/**
 * Worker entry that decodes and preprocesses images, so a replica's HTTP thread never spends
 * milliseconds (or, for a crafted image, a second) inside the JPEG or PNG decoder: health checks,
 * metrics and the relay of other requests go on while an image decodes. Messages are a
 * {@link DecodeRequest} in and a {@link DecodeReply} out, by structured clone with buffers
 * transferred (the protocol: lib/replica/README.md).
 *
 * @module
 */
import { ImageError, type ImageErrorCode, imageToTensor, initJpegCodec } from "../image/mod.ts";

/** A request to decode one image file. */
export interface DecodeRequest {
  /** Correlates the reply. */
  id: number;
  /** The image file (transferred). */
  bytes: Uint8Array;
  /** Largest image accepted (`too_large` above). */
  maxPixels: number;
  /** A tensor-sized buffer to write into (transferred), so the worker allocates none. */
  out?: Float32Array;
}

/** The worker's answer to one {@link DecodeRequest}. */
export type DecodeReply =
  | {
    id: number;
    ok: true;
    tensor: Float32Array;
    width: number;
    height: number;
    mode: string;
    decodeMs: number;
  }
  | { id: number; ok: false; code?: ImageErrorCode; message: string; out?: Float32Array };

interface WorkerScope {
  onmessage: ((event: MessageEvent<DecodeRequest>) => void) | null;
  postMessage(message: DecodeReply, transfer?: Transferable[]): void;
}

/** Answers decode requests on `scope` (the worker's global object), one at a time, in order. */
export function serveDecoder(scope: WorkerScope): void {
  const codec = initJpegCodec();
  scope.onmessage = async ({ data }) => {
    try {
      await codec;
      const image = imageToTensor(data.bytes, { maxPixels: data.maxPixels, out: data.out });
      const { tensor, width, height, mode } = image;
      scope.postMessage(
        { id: data.id, ok: true, tensor, width, height, mode, decodeMs: image.timings.totalMs },
        [tensor.buffer as ArrayBuffer],
      );
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const code = err instanceof ImageError ? err.code : undefined;
      const out = data.out;
      scope.postMessage(
        { id: data.id, ok: false, code, message, out },
        out ? [out.buffer as ArrayBuffer] : [],
      );
    }
  };
}

if (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined") {
  serveDecoder(globalThis as unknown as WorkerScope);
}
