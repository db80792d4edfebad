/**
 * The dispatcher's HTTP application: relays `/predict` and `/v2/...` to replicas through the
 * {@link Dispatcher}, serves health, readiness and metrics, and the replica admin API
 * (`GET/PUT/DELETE /admin/replicas`) for the local actuator — loopback clients only, or a bearer
 * token when one is configured.
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { Registry } from "prom-client";
import type { Dispatcher } from "./scheduler.ts";
import type { RelayRequest } from "./relay.ts";
import type { HealthChecker } from "./health_checks.ts";
import {
  accessGuard,
  badHostResponse,
  ByteBudget,
  createDeadlineSweep,
  DEADLINE_HEADER,
  declaredLength,
  errorResponse,
  HttpError,
  isValidHost,
  probeRoutes,
  readLimited,
  type ReadOptions,
} from "../http/mod.ts";
import { HTTPException } from "hono/http-exception";
import type { Logger } from "../shared/mod.ts";
import type { DispatcherMetrics } from "../metrics/mod.ts";
import type { ReplicaPool } from "./replica_pool.ts";

const FORWARDED_HEADERS = ["content-type", "inference-header-content-length"];

/** Everything the app needs. */
export interface DispatcherDeps {
  /** The scheduling core. */
  dispatcher: Dispatcher;
  /** The replicas. */
  pool: ReplicaPool;
  /** Probes new replicas at once. */
  health?: HealthChecker;
  /** The process registry. */
  registry: Registry;
  /** Dispatcher metrics on it. */
  metrics: DispatcherMetrics;
  /** Limits and timeouts (`bodyTimeoutMs`: longest body upload; absent: none). */
  limits: {
    maxBodyBytes: number;
    timeoutMs: number;
    bodyTimeoutMs?: number;
    /** Request-body bytes held at once (default: unbounded). */
    maxInflightBytes?: number;
  };
  /** Shared flags: draining after SIGTERM. */
  state: { draining: boolean };
  /** Admin API bearer token; empty = loopback clients only. */
  adminToken: string;
  /** Event log. */
  log: Logger;
  /** Epoch ms clock. */
  now?: () => number;
}

/** A serve handler (`Deno.serve`'s second argument). */
export type ServeHandler = (
  request: Request,
  info?: Deno.ServeHandlerInfo,
) => Response | Promise<Response>;

const INFER_ROUTE = /^\/v2\/models\/[^/]+\/infer$/;
const MODEL_ROUTE = /^\/v2\/models\/[^/]+(?:\/ready)?$/;

/** True for the relayed routes, matched on the raw path (the same routes as the Hono app's). */
function isRelayed(method: string, path: string): boolean {
  if (method === "POST") return path === "/predict" || INFER_ROUTE.test(path);
  return method === "GET" && MODEL_ROUTE.test(path);
}
/**
 * Request targets whose raw form is what `new URL` would give (no percent-escapes, which Hono
 * decodes before routing, no characters URL would escape, no dot segments it would resolve):
 * those take the fast path; any other goes through the Hono app.
 */
const PLAIN_TARGET = /^[A-Za-z0-9\-._~!$&()*+,;=:@/?]*$/;

/** Builds the dispatcher's Hono app (every route; {@link createHandler} adds a fast path). */
export function createApp(deps: DispatcherDeps): Hono {
  return createHandler(deps).app;
}

/** What the relay needs, built once per app. */
interface RelayContext {
  deps: DispatcherDeps;
  now: () => number;
  readOptions: ReadOptions;
  /** Request-body bytes held: reserved from Content-Length before the body is read. */
  bytes: ByteBudget;
}

/** Reserves `bytes` of the budget or refuses the request with 429 (counted as `body_bytes`). */
function reserve(r: RelayContext, bytes: number): number {
  if (r.bytes.tryTake(bytes)) return bytes;
  r.deps.metrics.rejected.inc({ reason: "body_bytes" });
  throw r.bytes.refusal(bytes, 429, "queue_full");
}

/** The relayed request: its deadline (the client's, capped by the timeout) and its headers. */
function relayedRequest(
  r: RelayContext,
  req: Request,
  target: string,
  body: Uint8Array | null,
): { request: RelayRequest; deadline: number } {
  let deadline = r.now() + r.deps.limits.timeoutMs;
  const given = req.headers;
  const raw = given.get(DEADLINE_HEADER);
  if (raw !== null) {
    const asked = /^[0-9]{1,16}(\.[0-9]+)?$/.test(raw) ? Number(raw) : NaN;
    if (!(asked > 0)) {
      throw new HttpError(
        400,
        "malformed_request",
        `${DEADLINE_HEADER} must be epoch milliseconds: got ${JSON.stringify(raw.slice(0, 40))}`,
      );
    }
    deadline = Math.min(deadline, asked);
  }
  const headers: Record<string, string> = { [DEADLINE_HEADER]: String(deadline) };
  for (const name of FORWARDED_HEADERS) {
    const value = given.get(name);
    if (value !== null) headers[name] = value;
  }
  return { request: { path: target, method: req.method, headers, body }, deadline };
}

/** Relays `req` with `target` (path and query) to a replica; every failure becomes JSON. */
async function relayRequest(r: RelayContext, req: Request, target: string): Promise<Response> {
  const { dispatcher, metrics, limits, state } = r.deps;
  const started = performance.now();
  let response: Response;
  let held = 0;
  try {
    if (state.draining) throw new HttpError(503, "draining", "dispatcher is shutting down", 1);
    const declared = req.method === "GET" ? 0 : declaredLength(req);
    // a body over the limit is refused (413) by the read below, before any byte is held
    held = reserve(r, declared !== undefined && declared <= limits.maxBodyBytes ? declared : 0);
    const body = req.method === "GET"
      ? null
      : await readLimited(req, limits.maxBodyBytes, r.readOptions);
    if (declared === undefined) held += reserve(r, body!.length);
    const { request, deadline } = relayedRequest(r, req, target, body);
    metrics.enqueued.inc();
    const answer = await dispatcher.dispatch(request, deadline);
    response = new Response(answer.body as Uint8Array<ArrayBuffer>, {
      status: answer.status,
      headers: answer.headers,
    });
  } catch (err) {
    const httpErr = err instanceof HttpError
      ? err
      : new HttpError(500, "internal", err instanceof Error ? err.message : String(err));
    if (httpErr.status === 500) r.deps.log("request_failed", { error: httpErr.message }, "error");
    response = errorResponse(httpErr);
  }
  r.bytes.give(held);
  metrics.duration.observe({ code: String(response.status) }, (performance.now() - started) / 1000);
  return response;
}

/** The replica URL of an admin request: `?url=` or a JSON body `{"url": ...}`. */
async function replicaUrl(c: Context): Promise<string> {
  const fromQuery = c.req.query("url");
  if (fromQuery) return fromQuery;
  const body = await c.req.json().catch(() => undefined) as { url?: unknown } | undefined;
  if (typeof body?.url !== "string") {
    throw new HttpError(400, "malformed_request", 'send {"url": "http://host:port"} or ?url=');
  }
  return body.url;
}

/** An admin handler whose failures answer 400 (or their own status). */
function admin(handle: (c: Context) => Promise<Response>) {
  return async (c: Context) => {
    try {
      return await handle(c);
    } catch (err) {
      if (err instanceof HttpError) return errorResponse(err);
      return errorResponse(new HttpError(400, "malformed_request", (err as Error).message));
    }
  };
}

/** `GET/PUT/DELETE /admin/replicas`, behind the loopback-or-token guard. */
function adminRoutes(deps: DispatcherDeps): Hono {
  const { pool } = deps;
  const routes = new Hono();
  routes.use(
    "*",
    accessGuard({
      token: deps.adminToken,
      denied: (_, rule) =>
        errorResponse(
          new HttpError(
            403,
            "forbidden",
            rule === "token" ? "admin API needs the bearer token" : "admin API is loopback-only",
          ),
        ),
    }),
  );
  routes.get("/replicas", (c) => c.json({ replicas: pool.list() }));
  routes.put(
    "/replicas",
    admin(async (c) => {
      const url = await replicaUrl(c);
      const added = pool.add(url);
      deps.log("replica_added", { url, added });
      await deps.health?.probe(pool.get(url)!.url);
      return c.json({ replica: pool.get(url) }, added ? 201 : 200);
    }),
  );
  routes.delete(
    "/replicas",
    admin((c) =>
      replicaUrl(c).then((url) => {
        if (!pool.drain(url)) throw new HttpError(404, "not_found", `no replica ${url}`);
        deps.log("replica_draining", { url });
        const gone = { url, state: "removed", outstanding: 0 };
        return c.json({ replica: pool.get(url) ?? gone }, 202);
      })
    ),
  );
  return routes;
}

/** Every route of the dispatcher as a Hono app; `relay` serves the relayed ones. */
function routes(deps: DispatcherDeps, relay: (c: Context) => Promise<Response>): Hono {
  const { pool, state } = deps;
  const app = new Hono();
  app.post("/predict", relay);
  app.post("/v2/models/:name/infer", relay);
  app.get("/v2/models/:name", relay);
  app.get("/v2/models/:name/ready", relay);
  const ready = () => !state.draining && pool.anyReady;
  app.route("/", probeRoutes(deps.registry));
  app.get(
    "/readyz",
    (c) => c.json({ ready: ready(), replicas: pool.counts() }, ready() ? 200 : 503),
  );
  app.get("/v2/health/live", (c) => c.json({ live: true }));
  app.get("/v2/health/ready", (c) => c.json({ ready: ready() }, ready() ? 200 : 503));
  app.route("/admin", adminRoutes(deps));
  app.notFound(() => errorResponse(new HttpError(404, "not_found", "no such route")));
  app.onError((err) =>
    err instanceof HTTPException
      ? err.getResponse()
      : errorResponse(new HttpError(500, "internal", err.message))
  );
  return app;
}

/**
 * The dispatcher's app and its serve handler: the handler relays the prediction routes itself,
 * before Hono's router and context (the hot path), and hands every other request to the app.
 */
export function createHandler(deps: DispatcherDeps): { app: Hono; fetch: ServeHandler } {
  const readOptions = { timeoutMs: deps.limits.bodyTimeoutMs, deadlines: createDeadlineSweep() };
  const bytes = new ByteBudget(deps.limits.maxInflightBytes ?? Number.MAX_SAFE_INTEGER);
  const r: RelayContext = { deps, now: deps.now ?? Date.now, readOptions, bytes };
  const app = routes(deps, (c) => {
    const url = new URL(c.req.url);
    return relayRequest(r, c.req.raw, url.pathname + url.search);
  });
  const fetch: ServeHandler = (req, info) => {
    const host = req.headers.get("host");
    if (!isValidHost(host)) return badHostResponse(host!);
    const url = req.url;
    const start = url.indexOf("/", url.indexOf(":") + 4);
    if (start > 0) {
      const query = url.indexOf("?", start);
      const path = query < 0 ? url.slice(start) : url.slice(start, query);
      const target = query === url.length - 1 ? path : url.slice(start);
      if (isRelayed(req.method, path) && !path.includes("/.") && PLAIN_TARGET.test(target)) {
        return relayRequest(r, req, target);
      }
    }
    return app.fetch(req, info);
  };
  return { app, fetch };
}
