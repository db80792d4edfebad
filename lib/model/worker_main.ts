/**
 * Worker entry that owns one onnxruntime session, so inference never blocks the HTTP event loop
 * (both onnxruntime-web and onnxruntime-node run on the calling thread).
 *
 * Protocol (structured clone, buffers transferred):
 * - in `{type: "load", bytes, options}` → out `{type: "loaded", inputName, outputName}`
 * - in `{type: "run", id, input, batchSize, returnInput?}` → out `{type: "result", id, logits,
 *   input?}` (`input` transferred back when `returnInput`, for reuse)
 * - any failure → `{type: "error", id?, message}`
 *
 * @module
 */
import { type InferenceModel, loadModel, type LoadOptions } from "./inference.ts";

/** Messages the worker accepts. */
export type WorkerRequest =
  | { type: "load"; bytes: Uint8Array; options: LoadOptions }
  | { type: "run"; id: number; input: Float32Array; batchSize: number; returnInput?: boolean };

/** Messages the worker sends. */
export type WorkerReply =
  | { type: "loaded"; inputName: string; outputName: string }
  | { type: "result"; id: number; logits: Float32Array; input?: Float32Array }
  | { type: "error"; id?: number; message: string };

interface WorkerScope {
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: WorkerReply, transfer?: Transferable[]): void;
}

/** Serves one model on `scope` (the worker's global object). */
export function serveModel(scope: WorkerScope): void {
  let model: InferenceModel | undefined;
  scope.onmessage = async ({ data }) => {
    try {
      if (data.type === "load") {
        model = await loadModel(data.bytes, data.options);
        scope.postMessage({
          type: "loaded",
          inputName: model.inputName,
          outputName: model.outputName,
        });
      } else {
        if (!model) throw new Error("run before load");
        const logits = (await model.run(data.input, data.batchSize)).slice();
        const transfer = [logits.buffer as ArrayBuffer];
        const input = data.returnInput ? data.input : undefined;
        if (input) transfer.push(input.buffer as ArrayBuffer);
        scope.postMessage({ type: "result", id: data.id, logits, input }, transfer);
      }
    } catch (err) {
      const id = data.type === "run" ? data.id : undefined;
      scope.postMessage({
        type: "error",
        id,
        message: String(err instanceof Error ? err.message : err),
      });
    }
  };
}

if (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined") {
  serveModel(globalThis as unknown as WorkerScope);
}
