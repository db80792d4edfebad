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
  createDeadlineSweep,
  DEADLINE_HEADER,
  errorResponse,
  HttpError,
  probeRoutes,
  readLimited,
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
  limits: { maxBodyBytes: number; timeoutMs: number; bodyTimeoutMs?: number };
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

/**
 * The dispatcher's app and its serve handler: the handler relays the prediction routes itself,
 * before Hono's router and context (the hot path), and hands every other request to the app.
 */
export function createHandler(deps: DispatcherDeps): { app: Hono; fetch: ServeHandler } {
  const { dispatcher, pool, metrics, limits, state } = deps;
  const now = deps.now ?? Date.now;
  const app = new Hono();
  const deadlines = createDeadlineSweep();
  const readOptions = { timeoutMs: limits.bodyTimeoutMs, deadlines };

  /** Relays `req` with `target` (path and query) to a replica. */
  const relayRequest = async (req: Request, target: string): Promise<Response> => {
    const started = performance.now();
    let response: Response;
    try {
      if (state.draining) throw new HttpError(503, "draining", "dispatcher is shutting down", 1);
      const method = req.method;
      const body = method === "GET"
        ? null
        : await readLimited(req, limits.maxBodyBytes, readOptions);
      let deadline = now() + limits.timeoutMs;
      const given = req.headers;
      const asked = Number(given.get(DEADLINE_HEADER) ?? NaN);
      if (Number.isFinite(asked) && asked > 0) deadline = Math.min(deadline, asked);
      const headers: Record<string, string> = { [DEADLINE_HEADER]: String(deadline) };
      for (const name of FORWARDED_HEADERS) {
        const value = given.get(name);
        if (value !== null) headers[name] = value;
      }
      const request: RelayRequest = { path: target, method, headers, body };
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
      if (httpErr.status === 500) deps.log("request_failed", { error: httpErr.message }, "error");
      response = errorResponse(httpErr);
    }
    metrics.duration.observe(
      { code: String(response.status) },
      (performance.now() - started) / 1000,
    );
    return response;
  };

  const relay = (c: Context) => {
    const url = new URL(c.req.url);
    return relayRequest(c.req.raw, url.pathname + url.search);
  };

  app.post("/predict", relay);
  app.post("/v2/models/:name/infer", relay);
  app.get("/v2/models/:name", relay);

  const ready = () => !state.draining && pool.anyReady;
  app.route("/", probeRoutes(deps.registry));
  app.get(
    "/readyz",
    (c) => c.json({ ready: ready(), replicas: pool.counts() }, ready() ? 200 : 503),
  );
  app.get("/v2/health/live", (c) => c.json({ live: true }));
  app.get("/v2/health/ready", (c) => c.json({ ready: ready() }, ready() ? 200 : 503));
  app.get("/v2/models/:name/ready", relay);

  app.use(
    "/admin/*",
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
  const replicaUrl = async (c: Context): Promise<string> => {
    const fromQuery = c.req.query("url");
    if (fromQuery) return fromQuery;
    const body = await c.req.json().catch(() => undefined) as { url?: unknown } | undefined;
    if (typeof body?.url !== "string") {
      throw new HttpError(400, "malformed_request", 'send {"url": "http://host:port"} or ?url=');
    }
    return body.url;
  };
  const admin = (handle: (c: Context) => Promise<Response>) => async (c: Context) => {
    try {
      return await handle(c);
    } catch (err) {
      if (err instanceof HttpError) return errorResponse(err);
      return errorResponse(new HttpError(400, "malformed_request", (err as Error).message));
    }
  };
  app.get("/admin/replicas", (c) => c.json({ replicas: pool.list() }));
  app.put(
    "/admin/replicas",
    admin(async (c) => {
      const url = await replicaUrl(c);
      const added = pool.add(url);
      deps.log("replica_added", { url, added });
      await deps.health?.probe(pool.get(url)!.url);
      return c.json({ replica: pool.get(url) }, added ? 201 : 200);
    }),
  );
  app.delete(
    "/admin/replicas",
    admin(async (c) => {
      const url = await replicaUrl(c);
      if (!pool.drain(url)) throw new HttpError(404, "not_found", `no replica ${url}`);
      deps.log("replica_draining", { url });
      return c.json({ replica: pool.get(url) ?? { url, state: "removed", outstanding: 0 } }, 202);
    }),
  );
  app.notFound(() => errorResponse(new HttpError(404, "not_found", "no such route")));
  app.onError((err) =>
    err instanceof HTTPException
      ? err.getResponse()
      : errorResponse(new HttpError(500, "internal", err.message))
  );

  const fetch: ServeHandler = (req, info) => {
    const url = req.url;
    const start = url.indexOf("/", url.indexOf(":") + 4);
    if (start > 0) {
      const query = url.indexOf("?", start);
      const path = query < 0 ? url.slice(start) : url.slice(start, query);
      const target = query === url.length - 1 ? path : url.slice(start);
      if (isRelayed(req.method, path) && !path.includes("/.") && PLAIN_TARGET.test(target)) {
        return relayRequest(req, target);
      }
    }
    return app.fetch(req, info);
  };
  return { app, fetch };
}
