/**
 * An {@link InferenceModel} whose session lives in a Worker (lib/model/worker_main.ts), so a batch
 * running on onnxruntime never blocks the caller's event loop: health checks, metrics and
 * decoding of the next batch go on while the model computes.
 *
 * @module
 */
import { isWholeBuffer } from "../shared/mod.ts";
import { IMAGE_FLOATS, type InferenceModel, type LoadOptions } from "./inference.ts";
import type { WorkerReply, WorkerRequest } from "./worker_main.ts";

interface Pending {
  resolve(logits: Float32Array): void;
  reject(err: Error): void;
}

/** Options of {@link loadWorkerModel} beyond the session's. */
export interface WorkerModelOptions {
  /**
   * Hands each input whose array is its whole buffer to the worker (transferred, so the caller's
   * array is detached) and gets it back with the result: `returnInput` receives it once the batch
   * has run, for reuse (lib/replica/tensor_pool.ts). Without it, `run()` copies the input.
   */
  returnInput?: (input: Float32Array) => void;
}

/**
 * Starts a model worker, loads `bytes` in it and resolves once the session is ready.
 *
 * `run()` transfers a copy of the input to the worker (or the input itself, see
 * {@link WorkerModelOptions.returnInput}); the logits come back transferred.
 */
export function loadWorkerModel(
  bytes: Uint8Array,
  options: LoadOptions,
  workerOptions: WorkerModelOptions = {},
): Promise<InferenceModel> {
  const worker = new Worker(new URL("./worker_main.ts", import.meta.url), { type: "module" });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let failure: Error | undefined;

  return new Promise((resolveLoad, rejectLoad) => {
    const fail = (err: Error) => {
      failure = err;
      rejectLoad(err);
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    };
    worker.onerror = (event) => {
      event.preventDefault();
      fail(new Error(`model worker crashed: ${event.message}`));
    };
    worker.onmessage = ({ data }: MessageEvent<WorkerReply>) => {
      if (data.type === "loaded") {
        resolveLoad(proxy(data.inputName, data.outputName));
      } else if (data.type === "result") {
        if (data.input) workerOptions.returnInput?.(data.input);
        pending.get(data.id)?.resolve(data.logits);
        pending.delete(data.id);
      } else if (data.id === undefined) {
        fail(new Error(`model load failed: ${data.message}`));
      } else {
        pending.get(data.id)?.reject(new Error(data.message));
        pending.delete(data.id);
      }
    };
    const post = (message: WorkerRequest, transfer: Transferable[] = []) =>
      worker.postMessage(message, transfer);
    post({ type: "load", bytes, options });

    function proxy(inputName: string, outputName: string): InferenceModel {
      return {
        backend: options.backend,
        threads: options.threads,
        inputName,
        outputName,
        run(input, batchSize) {
          if (failure) return Promise.reject(failure);
          const floats = batchSize * IMAGE_FLOATS;
          const handOver = workerOptions.returnInput !== undefined && input.length >= floats &&
            isWholeBuffer(input);
          const sent = handOver ? input : input.slice(0, floats);
          const id = nextId++;
          return new Promise((resolve, reject) => {
            pending.set(id, { resolve, reject });
            post(
              { type: "run", id, input: sent, batchSize, returnInput: handOver },
              [sent.buffer as ArrayBuffer],
            );
          });
        },
        release() {
          worker.terminate();
          fail(new Error("model released"));
          return Promise.resolve();
        },
      };
    }
  });
}
