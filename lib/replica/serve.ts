/**
 * A running replica: loads the model into a worker, serves the HTTP app, warms the whole request
 * path before it reports ready, and drains when its signal aborts (readiness turns 503 at once,
 * queued and in-flight requests finish within `--grace-s`, then the server closes).
 *
 * @module
 */
import { initJpegCodec } from "../image/mod.ts";
import type { Registry } from "prom-client";
import {
  createRegistry,
  emulatedCpuMetric,
  type ReplicaMetrics,
  replicaMetrics,
} from "../metrics/mod.ts";
import { type Calibration, K8S_CALIBRATION, parseCalibration } from "../sim/mod.ts";
import {
  IMAGE_FLOATS,
  type InferenceModel,
  loadWorkerModel,
  type ModelManifest,
  readManifest,
  rows,
} from "../model/mod.ts";
import {
  createLogger,
  defineCommand,
  type Logger,
  onAbort,
  UsageError,
  withinGrace,
} from "../shared/mod.ts";
import { createEmulatedModel, headerOnlyDecoder } from "./emulated.ts";
import { createApp, type ReplicaState } from "./app.ts";
import { Batcher } from "./batcher.ts";
import {
  adaptiveDecoder,
  createDecodePool,
  type DecodePool,
  type ImageDecoder,
  inProcessDecoder,
} from "./decode_pool.ts";
import { REPLICA_FLAGS, REPLICA_USAGE, type ReplicaOptions } from "./flags.ts";
import { TensorPool } from "./tensor_pool.ts";
import { warmUp } from "./warmup.ts";

/** A running replica. */
export interface RunningReplica {
  /** The port it listens on. */
  port: number;
  /** Resolves when the server has closed after a drain. */
  finished: Promise<void>;
}

/** The model and everything that moves tensors to and from it. */
interface Engine {
  manifest: ModelManifest;
  labels: string[];
  model: InferenceModel;
  batcher: Batcher<Float32Array, Float32Array>;
  /** Image tensors, reused from request to request. */
  tensors: TensorPool;
  /** Batch inputs, handed to the model worker and back. */
  batches: TensorPool;
  pool?: DecodePool;
  /** A hollow replica: header-only decoding, emulated model. */
  emulated?: boolean;
}

function modelBatcher(
  model: InferenceModel,
  batches: TensorPool,
  metrics: ReplicaMetrics,
  options: ReplicaOptions,
): Batcher<Float32Array, Float32Array> {
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

async function readLabels(path: string): Promise<string[]> {
  return (await Deno.readTextFile(path)).split("\n").map((l) => l.trim()).filter(Boolean);
}

/** The calibration a hollow replica emulates: `--calibration FILE`, or the built-in one. */
async function emulatedCalibration(path: string): Promise<Calibration> {
  if (!path) return K8S_CALIBRATION;
  try {
    return parseCalibration(JSON.parse(await Deno.readTextFile(path)));
  } catch (err) {
    throw new UsageError(`--calibration ${path}: ${(err as Error).message}`);
  }
}

/** The model part of an engine: its identity and the model the batches run on. */
type Loaded = Pick<Engine, "manifest" | "model" | "pool" | "emulated">;

/** A hollow replica's model: calibrated sleeps, its CPU counted; header-only decoding. */
async function emulatedModel(
  options: ReplicaOptions,
  parts: { labels: string[]; batches: TensorPool; registry: Registry },
): Promise<Loaded> {
  const calibration = await emulatedCalibration(options.calibration);
  const model = createEmulatedModel({
    calibration,
    maxBatch: options.maxBatch,
    classes: parts.labels.length,
    seed: (options.port * 2654435761 + Date.now()) >>> 0,
    returnInput: (input) => parts.batches.give(input),
  });
  emulatedCpuMetric(parts.registry, () => model.cpuSeconds);
  const manifest: ModelManifest = {
    name: "resnet18",
    source: `emulated:${calibration.name}`,
    sha256: "0".repeat(64),
    bytes: 0,
    synthetic: true,
    inputs: ["data"],
    outputs: ["logits"],
    created: new Date().toISOString(),
  };
  return { manifest, model, emulated: true };
}

/** ResNet18 from `--model` in its worker, and the decode pool. */
async function onnxModel(
  options: ReplicaOptions,
  parts: { batches: TensorPool; tensors: TensorPool },
): Promise<Loaded> {
  await initJpegCodec();
  const bytes = await Deno.readFile(options.model);
  const manifest = await readManifest(options.model, bytes);
  const model = await loadWorkerModel(bytes, {
    backend: options.backend as "wasm" | "native",
    threads: options.threads,
  }, { returnInput: (input) => parts.batches.give(input) });
  const pool = options.decodeWorkers > 0
    ? createDecodePool(options.decodeWorkers, { returnBuffer: (t) => parts.tensors.give(t) })
    : undefined;
  return { manifest, model, pool };
}

/** Loads the model (or its emulation) and builds the batcher, buffer pools and decode pool. */
async function startEngine(
  options: ReplicaOptions,
  metrics: ReplicaMetrics,
  registry: Registry,
): Promise<Engine> {
  const labels = await readLabels(options.labels);
  const tensors = new TensorPool(IMAGE_FLOATS, 4 * options.maxBatch);
  const batches = new TensorPool(options.maxBatch * IMAGE_FLOATS, 2);
  const loaded = options.backend === "emulated"
    ? await emulatedModel(options, { labels, batches, registry })
    : await onnxModel(options, { batches, tensors });
  const batcher = modelBatcher(loaded.model, batches, metrics, options);
  return { ...loaded, labels, batcher, tensors, batches };
}

/** Decodes inline while the request is the only one in hand (no thread hop), else in the pool. */
function chooseDecoder(engine: Engine, state: ReplicaState): ImageDecoder {
  if (engine.emulated) return headerOnlyDecoder;
  const pool = engine.pool;
  if (!pool) return inProcessDecoder;
  return adaptiveDecoder(pool.decode, () => (state.inFlight ?? 0) > 1 || pool.pending > 0);
}

/** Resolves once no request is being served and the batcher is idle (checked every 10 ms). */
async function workDone(state: ReplicaState, batcher: Batcher<unknown, unknown>): Promise<void> {
  while ((state.inFlight ?? 0) > 0 || batcher.queued > 0 || batcher.inFlight > 0) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await batcher.idle();
}

/** Runs the warm-up (lib/replica/warmup.ts), then turns readiness on unless already draining. */
async function warm(engine: Engine, state: ReplicaState, options: ReplicaOptions, log: Logger) {
  const started = performance.now();
  const warmed = await warmUp({
    model: engine.model,
    maxBatch: options.maxBatch,
    tensors: engine.tensors,
    batches: engine.batches,
    inline: engine.emulated ? headerOnlyDecoder : inProcessDecoder,
    pool: engine.pool && { decoder: engine.pool.decode, workers: options.decodeWorkers },
    maxPixels: options.maxPixels,
  });
  state.ready = !state.draining;
  log("ready", { warmup_ms: Math.round(performance.now() - started), warmup: warmed });
}

/** Drains once `signal` aborts: takes no new work, finishes what it holds, then closes. */
function drainOnAbort(
  signal: AbortSignal,
  parts: { engine: Engine; state: ReplicaState; server: Deno.HttpServer },
  options: ReplicaOptions,
  log: Logger,
): Promise<void> {
  const { engine, state, server } = parts;
  return onAbort(signal, async () => {
    state.draining = true;
    const { queued, inFlight } = engine.batcher;
    log("draining", { queued, in_flight: inFlight, grace_s: options.graceS });
    const outcome = await withinGrace(workDone(state, engine.batcher), options.graceS);
    await server.shutdown();
    await engine.model.release();
    engine.pool?.close();
    log("stopped", { outcome });
  });
}

/** Loads the model, serves, warms up, and drains when `signal` aborts. */
export async function run(
  options: ReplicaOptions,
  signal: AbortSignal,
  log: Logger = createLogger("replica"),
): Promise<RunningReplica> {
  const registry = createRegistry();
  const metrics = replicaMetrics(registry);
  const engine = await startEngine(options, metrics, registry);
  const state: ReplicaState = { ready: false, draining: false, inFlight: 0 };
  let name = options.name;
  const app = createApp({
    batcher: engine.batcher,
    manifest: engine.manifest,
    oip: {
      name: "resnet18",
      inputName: engine.model.inputName,
      outputName: engine.model.outputName,
      classes: engine.labels.length,
    },
    labels: engine.labels,
    registry,
    metrics,
    get name() {
      return name;
    },
    state,
    limits: {
      maxBodyBytes: Math.round(options.maxBodyMb * 1024 * 1024),
      maxInflightBytes: Math.round(options.maxInflightMb * 1024 * 1024),
      bodyTimeoutMs: options.bodyTimeoutS * 1000,
      maxPixels: options.maxPixels,
      maxTopk: options.maxTopk,
    },
    log,
    decode: chooseDecoder(engine, state),
    emulated: engine.emulated,
    tensors: engine.tensors,
  });
  const server = Deno.serve(
    { hostname: options.host, port: options.port, onListen() {} },
    app.fetch,
  );
  const port = server.addr.port;
  name ||= `${Deno.hostname()}:${port}`;
  const { backend, threads, decodeWorkers } = options;
  log("listening", {
    port,
    backend,
    threads,
    decode_workers: decodeWorkers,
    name,
    model: engine.manifest.sha256,
  });
  await warm(engine, state, options, log);
  return { port, finished: drainOnAbort(signal, { engine, state, server }, options, log) };
}

/** `deno task replica`: serves until SIGTERM, then drains and exits 0. */
export const REPLICA_COMMAND = defineCommand({
  name: "replica",
  usage: REPLICA_USAGE,
  flags: REPLICA_FLAGS,
  envPrefix: "REPLICA",
  async run(options, { signal }) {
    await (await run(options, signal)).finished;
  },
});
