/**
 * Image decoding for the replica, behind one function type: on the calling thread
 * ({@link inProcessDecoder}) or in a pool of workers ({@link createDecodePool}, lib/replica/decode_worker.ts)
 * so the HTTP event loop stays free while images decode.
 *
 * @module
 */
import { isWholeBuffer } from "../shared/mod.ts";
import type { DecodeReply, DecodeRequest } from "./decode_worker.ts";
import { checkImage, ImageError, imageToTensor } from "../image/mod.ts";

/** One image as the model takes it. */
export interface DecodedTensor {
  /** 3 × 224 × 224 floats, CHW, normalised. */
  tensor: Float32Array;
  /** Original width. */
  width: number;
  /** Original height. */
  height: number;
  /** Pillow's mode for the file. */
  mode: string;
  /** Milliseconds spent decoding and preprocessing (not waiting for a worker). */
  decodeMs: number;
}

/** Options of an {@link ImageDecoder}. */
export interface DecodeOptions {
  /** Largest image accepted, in pixels (`too_large` above, refused from the header). */
  maxPixels: number;
  /**
   * A whole buffer of 3 × 224 × 224 floats to write the tensor into (see lib/replica/tensor_pool.ts).
   * The decoder owns it from the call on: the tensor it resolves to is this memory (a pool
   * worker transfers it there and back). On failure it is still the caller's when decoded
   * inline; a pool worker sends it back to {@link DecodePoolOptions.returnBuffer}.
   */
  out?: Float32Array;
}

/** Decodes and preprocesses an image file; rejects with an {@link ImageError} for bad input. */
export type ImageDecoder = (bytes: Uint8Array, options: DecodeOptions) => Promise<DecodedTensor>;

/** Decodes on the calling thread (tests, tools, `--decode-workers 0`). */
export const inProcessDecoder: ImageDecoder = (bytes, options) => {
  try {
    const image = imageToTensor(bytes, { maxPixels: options.maxPixels, out: options.out });
    const { tensor, width, height, mode } = image;
    return Promise.resolve({ tensor, width, height, mode, decodeMs: image.timings.totalMs });
  } catch (err) {
    return Promise.reject(err);
  }
};

/**
 * Most decoding work {@link adaptiveDecoder} does inline by default, in pixel-scans (width ×
 * height × scans): 2 megapixels in 3 scans, ~10 ms.
 */
export const INLINE_MAX_WORK = 6_000_000;

/**
 * Decodes on the calling thread while nothing else is in hand (`busy()` false) and the image is
 * cheap (its decoding work from the header, width × height × scans, ≤ `inlineMaxWork`), else in
 * `pool`. At low load this saves the thread hop (a few milliseconds of latency); under load, and
 * for large or many-scan images whatever the load, the calling thread stays free for health
 * checks and other requests. A file the header already refuses (not an image, over `maxPixels`,
 * over the decoding budget) is answered on the calling thread: that costs microseconds, where a
 * trip to the pool costs two thread hops and a place in line behind real images.
 */
export function adaptiveDecoder(
  pool: ImageDecoder,
  busy: () => boolean,
  inlineMaxWork: number = INLINE_MAX_WORK,
): ImageDecoder {
  return (bytes, options) => {
    let work: number;
    try {
      work = checkImage(bytes, options.maxPixels).work;
    } catch {
      return inProcessDecoder(bytes, options); // refused from the header, answered at once
    }
    return busy() || work > inlineMaxWork ? pool(bytes, options) : inProcessDecoder(bytes, options);
  };
}

/** A running pool of decode workers. */
export interface DecodePool {
  /** Decodes on the least-busy worker. */
  decode: ImageDecoder;
  /** Images handed to workers and not yet answered. */
  readonly pending: number;
  /** Stops the workers; pending and later decodes reject. */
  close(): void;
}

interface Pending {
  resolve(value: DecodedTensor): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

/** Options of {@link createDecodePool}. */
export interface DecodePoolOptions {
  /**
   * Receives the `out` buffer of a failed decode, which the worker sends back unwritten (a
   * successful decode resolves to it): for reuse, so a stream of bad images costs no fresh
   * tensor each (lib/replica/tensor_pool.ts).
   */
  returnBuffer?: (buffer: Float32Array) => void;
}

/**
 * Starts `size` decode workers. Each image goes to the worker with the fewest images pending; a
 * worker that dies fails its pending images (as server errors) and is replaced.
 */
export function createDecodePool(size: number, options: DecodePoolOptions = {}): DecodePool {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`decode pool size must be a positive integer: got ${size}`);
  }
  let nextId = 1;
  let closed = false;
  const slots: Slot[] = [];

  const start = (index: number): void => {
    const worker = new Worker(new URL("./decode_worker.ts", import.meta.url), { type: "module" });
    const slot: Slot = { worker, pending: new Map() };
    worker.onmessage = ({ data }: MessageEvent<DecodeReply>) => {
      const waiting = slot.pending.get(data.id);
      if (!waiting) return;
      slot.pending.delete(data.id);
      if (data.ok) {
        const { tensor, width, height, mode, decodeMs } = data;
        waiting.resolve({ tensor, width, height, mode, decodeMs });
        return;
      }
      if (data.out) options.returnBuffer?.(data.out);
      if (data.code) waiting.reject(new ImageError(data.code, data.message));
      else waiting.reject(new Error(`decoding failed: ${data.message}`));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      worker.terminate();
      failAll(slot, new Error(`decode worker crashed: ${event.message}`));
      if (!closed) start(index);
    };
    slots[index] = slot;
  };

  const failAll = (slot: Slot, err: Error) => {
    for (const p of slot.pending.values()) p.reject(err);
    slot.pending.clear();
  };

  for (let i = 0; i < size; i++) start(i);

  return {
    decode(bytes, options) {
      if (closed) return Promise.reject(new Error("decode pool closed"));
      let slot = slots[0];
      for (const s of slots) if (s.pending.size < slot.pending.size) slot = s;
      const id = nextId++;
      // A private copy: the caller's bytes may view a larger buffer that must not be detached.
      const copy = bytes.slice();
      const transfer: Transferable[] = [copy.buffer];
      const out = options.out;
      const request: DecodeRequest = { id, bytes: copy, maxPixels: options.maxPixels };
      if (out && isWholeBuffer(out)) {
        request.out = out;
        transfer.push(out.buffer as ArrayBuffer);
      }
      return new Promise((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        slot.worker.postMessage(request, transfer);
      });
    },
    get pending() {
      return slots.reduce((n, s) => n + s.pending.size, 0);
    },
    close() {
      closed = true;
      for (const slot of slots) {
        slot.worker.terminate();
        failAll(slot, new Error("decode pool closed"));
      }
    },
  };
}
