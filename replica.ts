/**
 * The replica: ResNet18 behind HTTP with dynamic batching (port 6000).
 *
 * `deno task replica --port 6000 --backend wasm|native --threads N --model PATH --max-batch 8
 * --batch-delay-ms 2 --queue 64`; every flag is also an environment variable (`REPLICA_PORT`,
 * ...). The model runs in a worker and images decode in a pool of workers (`--decode-workers`),
 * so health checks and metrics answer while the replica computes.
 * SIGTERM: readiness turns 503 at once, queued and in-flight requests finish (bounded by
 * `--grace-s`), then the process exits 0.
 *
 * @module
 */
import {
  adaptiveDecoder,
  Batcher,
  createApp,
  createDecodePool,
  type ImageDecoder,
  inProcessDecoder,
  type ReplicaState,
  TensorPool,
  warmUp,
} from "./lib/replica/mod.ts";
import { initJpegCodec } from "./lib/image/mod.ts";
import { createLogger, type Flags, type Logger, serveMain, withinGrace } from "./lib/shared/mod.ts";
import {
  IMAGE_FLOATS,
  type InferenceModel,
  loadWorkerModel,
  readManifest,
  rows,
} from "./lib/model/mod.ts";
import { createRegistry, type ReplicaMetrics, replicaMetrics } from "./lib/metrics/mod.ts";

export { createApp } from "./lib/replica/mod.ts";

/** The replica's flags (env prefix `REPLICA_`). */
export const REPLICA_FLAGS = {
  host: { type: "string", default: "0.0.0.0", help: "address to listen on" },
  port: {
    type: "number",
    default: 6000,
    min: 0,
    max: 65535,
    integer: true,
    help: "port (0 = any free port)",
  },
  backend: {
    type: "string",
    default: "wasm",
    choices: ["wasm", "native"],
    help: "onnxruntime build",
  },
  threads: {
    type: "number",
    default: 2,
    min: 1,
    max: 64,
    integer: true,
    help: "inference threads",
  },
  model: { type: "string", default: "models/resnet18.onnx", help: "ONNX model file" },
  labels: { type: "string", default: "models/labels.txt", help: "class labels, one per line" },
  "max-batch": {
    type: "number",
    default: 8,
    min: 1,
    max: 256,
    integer: true,
    help: "largest batch",
  },
  "batch-delay-ms": {
    type: "number",
    default: 2,
    min: 0,
    max: 10_000,
    help: "longest wait for a batch to fill",
  },
  queue: {
    type: "number",
    default: 64,
    min: 0,
    max: 1_000_000,
    integer: true,
    help: "requests waiting before 503",
  },
  "max-body-mb": {
    type: "number",
    default: 16,
    min: 0.001,
    max: 1024,
    help: "largest request body",
  },
  "body-timeout-s": {
    type: "number",
    default: 30,
    min: 0,
    max: 3600,
    help: "longest request body upload (408 past it; 0 = no limit)",
  },
  "max-pixels": {
    type: "number",
    default: 40_000_000,
    min: 1,
    max: 1e9,
    integer: true,
    help: "largest image",
  },
  "max-topk": {
    type: "number",
    default: 20,
    min: 1,
    max: 1000,
    integer: true,
    help: "largest topk",
  },
  "decode-workers": {
    type: "number",
    default: 1,
    min: 0,
    max: 64,
    integer: true,
    help: "image decoding workers (0 = decode on the HTTP thread)",
  },
  "grace-s": { type: "number", default: 30, min: 0, max: 3600, help: "drain time on SIGTERM" },
  name: { type: "string", default: "", help: "instance name for x-replica (default host:port)" },
} as const;

/** Parsed replica options. */
export type ReplicaOptions = Flags<typeof REPLICA_FLAGS>;

const USAGE =
  "Usage: deno task replica [options]\n\nServes ResNet18 over HTTP with dynamic batching.";

/** A running replica. */
export interface RunningReplica {
  /** The port it listens on. */
  port: number;
  /** Resolves when the server has closed after a drain. */
  finished: Promise<void>;
}

function modelBatcher(
  model: InferenceModel,
  batches: TensorPool,
  metrics: ReplicaMetrics,
  options: ReplicaOptions,
) {
  return new Batcher<Float32Array, Float32Array>({
    maxBatch: options.maxBatch,
    maxDelayMs: options.batchDelayMs,
    maxQueue: options.queue,
    async process(items) {
      const input = batches.take(); // room for maxBatch images; the model reads the first n
      items.forEach((t, i) => input.set(t, i * IMAGE_FLOATS));
      metrics.batchSize.observe(items.length);
      return rows(await model.run(input, items.length), items.length);
    },
  });
}

/** Resolves once no request is being served and the batcher is idle (checked every 10 ms). */
async function workDone(state: ReplicaState, batcher: Batcher<unknown, unknown>): Promise<void> {
  while ((state.inFlight ?? 0) > 0 || batcher.queued > 0 || batcher.inFlight > 0) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await batcher.idle();
}

/**
 * Loads the model, serves, and drains when `signal` aborts. Readiness turns on after the
 * warm-up of the whole request path (lib/replica/warmup.ts).
 */
export async function run(
  options: ReplicaOptions,
  signal: AbortSignal,
  log: Logger = createLogger("replica"),
): Promise<RunningReplica> {
  await initJpegCodec();
  const bytes = await Deno.readFile(options.model);
  const manifest = await readManifest(options.model, bytes);
  const labels = (await Deno.readTextFile(options.labels)).split("\n").map((l) => l.trim()).filter(
    Boolean,
  );
  const registry = createRegistry();
  const metrics = replicaMetrics(registry);
  // Memory reused from image to image and batch to batch (lib/replica/tensor_pool.ts): each batch is
  // handed to the model worker and comes back with its result.
  const tensors = new TensorPool(IMAGE_FLOATS, 4 * options.maxBatch);
  const batches = new TensorPool(options.maxBatch * IMAGE_FLOATS, 2);
  const model = await loadWorkerModel(bytes, {
    backend: options.backend as "wasm" | "native",
    threads: options.threads,
  }, { returnInput: (input) => batches.give(input) });
  const batcher = modelBatcher(model, batches, metrics, options);
  const pool = options.decodeWorkers > 0
    ? createDecodePool(options.decodeWorkers, { returnBuffer: (t) => tensors.give(t) })
    : undefined;
  const state: ReplicaState = { ready: false, draining: false, inFlight: 0 };
  // Inline while this request is the only one in hand (no thread hop), else in the pool.
  const decode: ImageDecoder = pool
    ? adaptiveDecoder(pool.decode, () => (state.inFlight ?? 0) > 1 || pool.pending > 0)
    : inProcessDecoder;
  let name = options.name;
  const app = createApp({
    batcher,
    manifest,
    oip: {
      name: "resnet18",
      inputName: model.inputName,
      outputName: model.outputName,
      classes: labels.length,
    },
    labels,
    registry,
    metrics,
    get name() {
      return name;
    },
    state,
    limits: {
      maxBodyBytes: Math.round(options.maxBodyMb * 1024 * 1024),
      bodyTimeoutMs: options.bodyTimeoutS * 1000,
      maxPixels: options.maxPixels,
      maxTopk: options.maxTopk,
    },
    log,
    decode,
    tensors,
  });
  const server = Deno.serve(
    { hostname: options.host, port: options.port, onListen() {} },
    app.fetch,
  );
  const port = server.addr.port;
  name ||= `${Deno.hostname()}:${port}`;
  log("listening", {
    port,
    backend: options.backend,
    threads: options.threads,
    decode_workers: options.decodeWorkers,
    model: manifest.sha256,
    name,
  });

  const started = performance.now();
  const warmed = await warmUp({
    model,
    maxBatch: options.maxBatch,
    tensors,
    batches,
    inline: inProcessDecoder,
    pool: pool && { decoder: pool.decode, workers: options.decodeWorkers },
    maxPixels: options.maxPixels,
  });
  state.ready = !state.draining;
  log("ready", { warmup_ms: Math.round(performance.now() - started), warmup: warmed });

  const finished = new Promise<void>((resolve) => {
    const drain = async () => {
      state.draining = true;
      log("draining", {
        queued: batcher.queued,
        in_flight: batcher.inFlight,
        grace_s: options.graceS,
      });
      const outcome = await withinGrace(workDone(state, batcher), options.graceS);
      await server.shutdown();
      await model.release();
      pool?.close();
      log("stopped", { outcome });
      resolve();
    };
    if (signal.aborted) drain();
    else signal.addEventListener("abort", drain, { once: true });
  });
  return { port, finished };
}

if (import.meta.main) {
  await serveMain(
    { name: "replica", usage: USAGE, flags: REPLICA_FLAGS, envPrefix: "REPLICA" },
    run,
  );
}
