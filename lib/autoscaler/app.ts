/**
 * The autoscaler's controller (ticks serialised, state, metrics, decision log) and its HTTP
 * application: `/healthz`, `/metrics`, the Custom Pod Autoscaler REST API v1 under `/api/v1`
 * (loopback or bearer token), and `/sd` for Prometheus service discovery. The routes and their
 * answers are listed in lib/autoscaler/README.md.
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Registry } from "prom-client";
import { accessGuard, hostCheck, probeRoutes } from "../http/mod.ts";
import type { Actuator } from "../actuator/mod.ts";
import {
  buildObservation,
  INITIAL_LOOP_STATE,
  type LoopState,
  tick,
  type TickDeps,
  type TickRecord,
} from "./control_loop.ts";
import type { Logger } from "../shared/mod.ts";
import type { AutoscalerMetrics } from "../metrics/mod.ts";

/** Runs ticks one at a time and keeps the loop state. */
export interface Controller {
  /** Runs one tick at `now` seconds; `dryRun` neither scales nor keeps the new state. */
  tick(now: number, options?: { dryRun?: boolean }): Promise<TickRecord>;
  /** Reads the metrics and the actuator now, without deciding. */
  observe(now: number): Promise<Record<string, unknown>>;
  /** The latest record, if any. */
  readonly last: TickRecord | undefined;
}

/** What the controller needs. */
export interface ControllerDeps {
  /** Everything a tick needs. */
  tick: Omit<TickDeps, "dryRun">;
  /** The process's autoscaler metrics. */
  metrics: AutoscalerMetrics;
  /** Receives each decision log line (JSONL). */
  writeDecision: (line: string) => Promise<void> | void;
  /** Event log. */
  log: Logger;
}

/** A controller. */
export function createController(deps: ControllerDeps): Controller {
  let state: LoopState = INITIAL_LOOP_STATE;
  let last: TickRecord | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = chain.then(fn, fn);
    chain = run.catch(() => {});
    return run;
  };
  return {
    get last() {
      return last;
    },
    tick(now, options = {}) {
      return serial(async () => {
        const result = await tick({ ...deps.tick, dryRun: options.dryRun }, state, now);
        const record = result.record;
        if (!options.dryRun) state = result.state;
        last = record;
        const m = deps.metrics;
        if (record.current !== null) m.current.set(record.current);
        if (record.desired !== null) m.desired.set(record.desired);
        m.decisions.inc({ policy: record.policy, reason: record.reason });
        if (record.metricError) m.metricErrors.inc();
        if (record.actuation === "failed") m.actuatorErrors.inc();
        await deps.writeDecision(
          JSON.stringify({
            ts: new Date(now * 1000).toISOString(),
            dry_run: !!options.dryRun,
            ...record,
          }),
        );
        if (record.metricError) {
          deps.log("metrics_outage", {
            reason: record.reason,
            missing: record.missing,
            down: record.down,
            errors: record.errors,
          }, "warn");
        } else if (record.actuation === "failed") {
          deps.log("actuator_error", { errors: record.errors }, "error");
        }
        return record;
      });
    },
    observe(now) {
      return serial(async () => {
        const actuator: Actuator = deps.tick.actuator;
        const [current, pods, reading] = await Promise.all([
          actuator.current(),
          actuator.pods(),
          deps.tick.source.read(now),
        ]);
        return {
          reading,
          observation: buildObservation(reading, {
            now,
            current,
            pods,
            windowS: deps.tick.windowS,
          }),
        };
      });
    },
  };
}

function cpaError(c: Context, code: 400 | 500, message: string) {
  return c.json({ message, code }, code);
}

function parseDryRun(raw: string | undefined): boolean | string {
  if (raw === undefined || raw === "") return false;
  if (/^(true|1|t)$/i.test(raw)) return true;
  if (/^(false|0|f)$/i.test(raw)) return false;
  return `Invalid format for 'dry_run' query parameter; '${raw}' is not a valid boolean value`;
}

/** What the app needs. */
export interface AutoscalerAppDeps {
  /** The controller. */
  controller: Controller;
  /** The process registry. */
  registry: Registry;
  /** Name of the scaled resource (for the CPA API's `resource`). */
  resource: string;
  /** Base URLs to advertise on `/sd` (absent: `/sd` lists none). */
  targets?: () => Promise<string[]>;
  /** Guard of `/api/*`: loopback callers only, or the bearer token when set (absent: open). */
  apiAccess?: { token: string };
  /** Epoch ms clock. */
  now?: () => number;
}

/** The autoscaler's Hono app. */
export function createApp(deps: AutoscalerAppDeps): Hono {
  const app = new Hono();
  const now = () => (deps.now ?? Date.now)() / 1000;
  app.use("*", hostCheck);
  app.route("/", probeRoutes(deps.registry));
  const access = deps.apiAccess;
  if (access) {
    app.use(
      "/api/*",
      accessGuard({
        token: access.token,
        denied: (c, rule) =>
          c.json({
            message: rule === "token"
              ? "the CPA API needs the bearer token"
              : "loopback callers only",
            code: 403,
          }, 403),
      }),
    );
  }
  app.get("/api/v1/metrics", async (c) => {
    const dryRun = parseDryRun(c.req.query("dry_run"));
    if (typeof dryRun === "string") return cpaError(c, 400, dryRun);
    try {
      const value = await deps.controller.observe(now());
      return c.json({
        resource: deps.resource,
        run_type: dryRun ? "api_dry_run" : "api",
        metrics: [{ resource: deps.resource, value: JSON.stringify(value) }],
      });
    } catch (err) {
      return cpaError(c, 500, (err as Error).message);
    }
  });
  app.post("/api/v1/evaluation", async (c) => {
    const dryRun = parseDryRun(c.req.query("dry_run"));
    if (typeof dryRun === "string") return cpaError(c, 400, dryRun);
    try {
      const record = await deps.controller.tick(now(), { dryRun });
      if (record.desired === null) {
        return cpaError(c, 500, record.errors.join("; ") || record.reason);
      }
      return c.json({
        targetReplicas: record.desired,
        target_replicas: record.desired,
        reason: record.reason,
        record,
      });
    } catch (err) {
      return cpaError(c, 500, (err as Error).message);
    }
  });
  app.get("/sd", async (c) => {
    const urls = (await deps.targets?.().catch(() => [])) ?? [];
    return c.json(
      urls.length === 0
        ? []
        : [{ targets: urls.map((u) => new URL(u).host), labels: { job: "resnet" } }],
    );
  });
  app.notFound((c) => c.json({ message: "no such route", code: 404 }, 404));
  app.onError((err, c) =>
    err instanceof HTTPException
      ? err.getResponse()
      : c.json({ message: err.message, code: 500 }, 500)
  );
  return app;
}
