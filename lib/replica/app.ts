/**
 * The replica's HTTP application: `/predict` (the seed's API), the Open Inference Protocol
 * (KServe v2), health, readiness and metrics. Pure wiring over injected parts, so tests can call
 * `app.request()` without a socket.
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { Registry } from "prom-client";
import { Batcher, DeadlineExceededError, QueueFullError } from "./batcher.ts";
import {
  ByteBudget,
  DEADLINE_HEADER,
  declaredLength,
  errorResponse,
  hostCheck,
  HttpError,
  probeRoutes,
  readLimited,
  readPredictUpload,
} from "../http/mod.ts";
import { type ImageDecoder, inProcessDecoder } from "./decode_pool.ts";
import { ImageError } from "../image/mod.ts";
import type { Logger } from "../shared/mod.ts";
import { IMAGE_FLOATS, type ModelManifest, topK } from "../model/mod.ts";
import type { ReplicaMetrics } from "../metrics/mod.ts";
import { inferResponse, modelMetadata, type OipModel, parseInferRequest } from "./oip.ts";
import type { TensorPool } from "./tensor_pool.ts";

/** Readiness flags the run loop flips, and the work in hand it waits for when draining. */
export interface ReplicaState {
  /** Model loaded and warmed up. */
  ready: boolean;
  /** SIGTERM received: finishing work, taking none. */
  draining: boolean;
  /** Inference requests being served (reading, decoding, queued or computing); the app counts. */
  inFlight?: number;
}

/** Everything the app needs. */
export interface ReplicaDeps {
  /** Batches image tensors into the model; resolves to each image's logits. */
  batcher: Batcher<Float32Array, Float32Array>;
  /** Model identity and tensor names. */
  manifest: ModelManifest;
  /** OIP names (input/output from the session). */
  oip: OipModel;
  /** Class labels, index order. */
  labels: readonly string[];
  /** The process registry (for `/metrics`). */
  registry: Registry;
  /** The replica metrics registered on it. */
  metrics: ReplicaMetrics;
  /** Instance name, sent as `x-replica`. */
  name: string;
  /** Mutable readiness. */
  state: ReplicaState;
  /** Request limits (`bodyTimeoutMs`: longest body upload; absent: none). */
  limits: {
    maxBodyBytes: number;
    maxPixels: number;
    maxTopk: number;
    bodyTimeoutMs?: number;
    /** Request-body bytes held at once (default: unbounded). */
    maxInflightBytes?: number;
  };
  /** Event log. */
  log: Logger;
  /** Decodes uploads (a worker pool in the replica); default: on the HTTP thread. */
  decode?: ImageDecoder;
  /** Image tensors to decode into and give back once their batch ran; default: new each time. */
  tensors?: TensorPool;
  /** Epoch ms clock (deadlines). */
  now?: () => number;
  /** A hollow replica (`--backend emulated`): its answers say `"emulated": true`. */
  emulated?: boolean;
}

function parseTopk(raw: string | undefined | null, max: number): number {
  if (raw === undefined || raw === null || raw === "") return Math.min(5, max);
  const k = /^[0-9]{1,4}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(k) || k < 1 || k > max) {
    throw new HttpError(
      400,
      "malformed_request",
      `topk must be an integer between 1 and ${max}: got ${raw}`,
    );
  }
  return k;
}

function parseDeadline(raw: string | undefined, now: number): number | undefined {
  if (raw === undefined) return undefined;
  const deadline = Number(raw);
  if (!Number.isFinite(deadline) || deadline <= 0) {
    throw new HttpError(
      400,
      "malformed_request",
      `${DEADLINE_HEADER} must be epoch milliseconds: got ${raw}`,
    );
  }
  if (deadline <= now) {
    throw new HttpError(
      504,
      "deadline_exceeded",
      `deadline passed ${now - deadline} ms before arrival`,
    );
  }
  return deadline;
}

/** Maps anything thrown while serving to the error contract of docs/DESIGN.md. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof ImageError) {
    return new HttpError(err.code === "unsupported_format" ? 415 : 422, err.code, err.message);
  }
  if (err instanceof QueueFullError) return new HttpError(503, "queue_full", err.message, 1);
  if (err instanceof DeadlineExceededError) {
    return new HttpError(504, "deadline_exceeded", err.message);
  }
  return new HttpError(500, "internal", err instanceof Error ? err.message : String(err));
}

/** What the request handlers share. */
interface Handling {
  deps: ReplicaDeps;
  now: () => number;
  decode: ImageDecoder;
  /** Identity of the model in every `/predict` answer. */
  model: { name: string; sha256: string; synthetic: boolean; emulated?: true };
}

/** Queues one image tensor into a batch and records how long it waited. */
async function classify(deps: ReplicaDeps, tensor: Float32Array, deadline?: number) {
  const result = await deps.batcher.submit(tensor, { deadline });
  deps.metrics.queueSeconds.observe(result.queueMs / 1000);
  return result;
}

/** Refuses work while loading, draining or with a full queue. */
function accepting({ state, batcher }: ReplicaDeps): void {
  if (state.draining) throw new HttpError(503, "draining", "replica is shutting down", 1);
  if (!state.ready) throw new HttpError(503, "not_ready", "model is loading", 1);
  if (batcher.full) throw new QueueFullError(batcher.queued);
}

/**
 * Wraps an inference handler with the in-progress gauge, latency and status metrics, and holds
 * the request's body bytes in `bytes` while it is served (its declared length, or the body limit
 * when it declares none): past the budget it is refused with 503 before its body is read.
 */
function served(
  deps: ReplicaDeps,
  bytes: ByteBudget,
  handle: (c: Context, started: number) => Promise<Response>,
): (c: Context) => Promise<Response> {
  const { metrics, state } = deps;
  return async (c) => {
    const started = performance.now();
    metrics.inProgress.inc();
    state.inFlight = (state.inFlight ?? 0) + 1;
    let response: Response;
    // a body over the limit is refused (413) by the handler's read, before any byte is held
    const declared = declaredLength(c.req.raw) ?? deps.limits.maxBodyBytes;
    const size = declared <= deps.limits.maxBodyBytes ? declared : 0;
    const held = bytes.tryTake(size) ? size : 0;
    try {
      if (held === 0 && size > 0) throw bytes.refusal(size, 503, "over_capacity");
      response = await handle(c, started);
    } catch (err) {
      if (err instanceof ImageError) metrics.refused.inc({ code: err.code });
      const httpErr = toHttpError(err);
      if (httpErr.status >= 500 && httpErr.status !== 503 && httpErr.status !== 504) {
        deps.log("request_failed", { path: c.req.path, error: httpErr.message }, "error");
      }
      response = errorResponse(httpErr);
    } finally {
      bytes.give(held);
      metrics.inProgress.dec();
      state.inFlight = (state.inFlight ?? 1) - 1;
    }
    metrics.latency.observe((performance.now() - started) / 1000);
    metrics.requests.inc({ code: String(response.status) });
    response.headers.set("x-replica", deps.name);
    return response;
  };
}

/** `POST /predict`: the seed's contract, one image in, its top-k classes out. */
async function predict(h: Handling, c: Context, started: number): Promise<Response> {
  const { deps } = h;
  const limits = deps.limits;
  accepting(deps);
  const deadline = parseDeadline(c.req.header(DEADLINE_HEADER), h.now());
  const upload = await readPredictUpload(c.req.raw, limits.maxBodyBytes, {
    timeoutMs: limits.bodyTimeoutMs,
  });
  const k = parseTopk(c.req.query("topk") ?? upload.topk, limits.maxTopk);
  const out = deps.tensors?.take();
  const image = await h.decode(upload.bytes, { maxPixels: limits.maxPixels, out }).catch(
    (err) => {
      deps.tensors?.give(out); // still ours if it was decoded inline
      throw err;
    },
  );
  // The batch copies the tensor before it runs, so once it resolves the buffer is free.
  const result = await classify(deps, image.tensor, deadline).finally(() =>
    deps.tensors?.give(image.tensor)
  );
  const top = topK(result.value, k, deps.labels);
  return c.json({
    success: true,
    ...(h.model.emulated ? { emulated: true } : {}),
    prediction: top[0],
    top,
    model: h.model,
    image: { width: image.width, height: image.height, mode: image.mode },
    batch_size: result.batchSize,
    timing_ms: {
      decode: round(image.decodeMs),
      queue: round(result.queueMs),
      inference: round(result.runMs),
      total: round(performance.now() - started),
    },
  });
}

/** `POST /v2/models/{name}/infer`: a batch of preprocessed tensors in, logits out. */
async function infer(h: Handling, c: Context): Promise<Response> {
  const { deps } = h;
  if (c.req.param("name") !== deps.oip.name) {
    throw unknownModel(c.req.param("name") ?? "", deps.oip.name);
  }
  accepting(deps);
  const deadline = parseDeadline(c.req.header(DEADLINE_HEADER), h.now());
  const body = await readLimited(c.req.raw, deps.limits.maxBodyBytes, {
    timeoutMs: deps.limits.bodyTimeoutMs,
  });
  const request = parseInferRequest(
    body,
    c.req.header("inference-header-content-length") ?? null,
    deps.oip,
  );
  const images = Array.from(
    { length: request.batch },
    (_, i) => request.data.subarray(i * IMAGE_FLOATS, (i + 1) * IMAGE_FLOATS),
  );
  const results = await Promise.all(images.map((img) => classify(deps, img, deadline)));
  const logits = new Float32Array(request.batch * deps.oip.classes);
  results.forEach((r, i) => logits.set(r.value, i * deps.oip.classes));
  return inferResponse(request, logits, deps.oip);
}

/** The Open Inference Protocol's metadata and health routes, mounted at `/v2`. */
function oipRoutes(deps: ReplicaDeps, ready: () => boolean): Hono {
  const v2 = new Hono();
  const model = deps.oip.name;
  const byName = (c: Context, answer: () => Response) =>
    c.req.param("name") === model
      ? answer()
      : errorResponse(unknownModel(c.req.param("name") ?? "", model));
  v2.get(
    "/",
    (c) =>
      c.json({ name: "resnet-hpa-cpa-replica", version: "1", extensions: ["binary_tensor_data"] }),
  );
  v2.get("/health/live", (c) => c.json({ live: true }));
  v2.get("/health/ready", (c) => c.json({ ready: ready() }, ready() ? 200 : 503));
  v2.get(
    "/models/:name",
    (c) => byName(c, () => c.json(modelMetadata(deps.oip, "onnxruntime_onnx"))),
  );
  v2.get(
    "/models/:name/ready",
    (c) => byName(c, () => c.json({ name: model, ready: ready() }, ready() ? 200 : 503)),
  );
  return v2;
}

/** Builds the replica's Hono app. */
export function createApp(deps: ReplicaDeps): Hono {
  const { state } = deps;
  const h: Handling = {
    deps,
    now: deps.now ?? Date.now,
    decode: deps.decode ?? inProcessDecoder,
    model: {
      name: deps.manifest.name,
      sha256: deps.manifest.sha256,
      synthetic: deps.manifest.synthetic,
      ...(deps.emulated ? { emulated: true as const } : {}),
    },
  };
  const bytes = new ByteBudget(deps.limits.maxInflightBytes ?? Number.MAX_SAFE_INTEGER);
  const app = new Hono();
  app.use("*", hostCheck);
  app.post("/predict", served(deps, bytes, (c, started) => predict(h, c, started)));
  app.post("/v2/models/:name/infer", served(deps, bytes, (c) => infer(h, c)));
  const ready = () => state.ready && !state.draining;
  app.route("/", probeRoutes(deps.registry));
  app.get(
    "/readyz",
    (c) =>
      ready() ? c.json({ ready: true }) : c.json({ ready: false, draining: state.draining }, 503),
  );
  app.route("/v2", oipRoutes(deps, ready));
  app.notFound(() => errorResponse(new HttpError(404, "not_found", "no such route")));
  app.onError((err) => errorResponse(toHttpError(err)));
  return app;
}

function unknownModel(name: string, known: string): HttpError {
  return new HttpError(
    404,
    "model_not_found",
    `no model '${name}': this replica serves '${known}'`,
  );
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
