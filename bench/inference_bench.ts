/**
 * Bare `session.run` throughput of one backend configuration, as a child process of the bench
 * runner (onnxruntime-web's thread count is process-wide, so each configuration gets a process).
 *
 * Usage: deno run -A bench/inference_bench.ts BACKEND THREADS BATCH [MODEL] → one JSON line.
 *
 * @module
 */
import { type BackendKind, IMAGE_FLOATS, loadModel } from "../lib/model/mod.ts";
import { createRng, median } from "../lib/shared/mod.ts";

/** One measured configuration. */
export interface InferenceResult {
  backend: BackendKind;
  threads: number;
  batch: number;
  iterations: number;
  median_ms_per_batch: number;
  images_per_s: number;
}

/** Runs warm-up plus at least `minIterations` batches and `minSeconds` of measurement. */
export async function benchInference(
  modelBytes: Uint8Array,
  config: { backend: BackendKind; threads: number; batch: number },
  budget = { minIterations: 5, minSeconds: 2 },
): Promise<InferenceResult> {
  const model = await loadModel(modelBytes, config);
  const rng = createRng(1);
  const input = new Float32Array(config.batch * IMAGE_FLOATS);
  for (let i = 0; i < input.length; i++) input[i] = rng.normal();
  for (let i = 0; i < 2; i++) await model.run(input, config.batch);
  const times: number[] = [];
  const start = performance.now();
  while (
    times.length < budget.minIterations || performance.now() - start < budget.minSeconds * 1000
  ) {
    const t0 = performance.now();
    await model.run(input, config.batch);
    times.push(performance.now() - t0);
  }
  await model.release();
  const ms = median(times);
  return {
    ...config,
    iterations: times.length,
    median_ms_per_batch: round(ms),
    images_per_s: round((config.batch * 1000) / ms),
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

if (import.meta.main) {
  const [backend, threads, batch, modelPath = "models/resnet18.onnx"] = Deno.args;
  const result = await benchInference(await Deno.readFile(modelPath), {
    backend: backend as BackendKind,
    threads: Number(threads),
    batch: Number(batch),
  });
  console.log(JSON.stringify(result));
  Deno.exit(0); // onnxruntime-web's worker threads would otherwise keep the process alive
}
