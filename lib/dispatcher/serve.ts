/**
 * A running dispatcher: the replica set and its membership sources (static list, admin API,
 * Kubernetes EndpointSlices), health checks, the scheduling core and the HTTP handler; it
 * drains when its signal aborts (readiness turns 503, queued and in-flight requests finish
 * within `--grace-s`, then the server closes).
 *
 * @module
 */
import { createRegistry, type DispatcherMetrics, dispatcherMetrics } from "../metrics/mod.ts";
import {
  createLogger,
  defineCommand,
  type Logger,
  onAbort,
  systemClock,
  UsageError,
  withinGrace,
} from "../shared/mod.ts";
import { createHandler } from "./app.ts";
import { type BalancerName, createBalancer } from "./balancer.ts";
import { DISPATCHER_FLAGS, DISPATCHER_USAGE, type DispatcherOptions } from "./flags.ts";
import { type HealthChecker, startHealthChecks } from "./health_checks.ts";
import { createHttp1Relay } from "./relay.ts";
import { ReplicaPool } from "./replica_pool.ts";
import { Dispatcher } from "./scheduler.ts";

/** A running dispatcher. */
export interface RunningDispatcher {
  /** Port it listens on. */
  port: number;
  /** The replica set (membership sources write to it). */
  pool: ReplicaPool;
  /** Resolves once drained and closed. */
  finished: Promise<void>;
}

/** The scheduling core over `pool`, its hooks feeding the metrics and the log. */
function createDispatcher(
  pool: ReplicaPool,
  parts: { metrics: DispatcherMetrics; relay: ReturnType<typeof createHttp1Relay> },
  options: DispatcherOptions,
  log: Logger,
): Dispatcher {
  const { metrics, relay } = parts;
  return new Dispatcher({
    pool,
    balancer: createBalancer(options.balancer as BalancerName),
    queueCapacity: options.queue,
    maxRetries: options.maxRetries,
    relay,
    clock: systemClock,
    hooks: {
      dequeued: (ms) => metrics.queueWait.observe(ms / 1000),
      rejected: (reason) => metrics.rejected.inc({ reason }),
      retried: (url) => {
        metrics.retries.inc();
        log("retry", { replica: url, state: pool.get(url)?.state });
      },
    },
  });
}

/** Adds the static replicas and, with `--discovery kubernetes`, watches the Service's slices. */
function startMembership(
  pool: ReplicaPool,
  options: DispatcherOptions,
  signal: AbortSignal,
  log: Logger,
): void {
  const staticUrls = options.replicas.split(",").map((u) => u.trim()).filter(Boolean);
  for (const url of staticUrls) pool.add(url);
  if (options.discovery !== "kubernetes") return;
  if (!options.k8sService) throw new UsageError("--discovery kubernetes needs --k8s-service");
  import("../k8s/mod.ts").then(({ watchEndpointSlices }) =>
    watchEndpointSlices({
      namespace: options.k8sNamespace,
      service: options.k8sService,
      portName: options.k8sPortName,
      onUrls: (urls) => pool.replace([...staticUrls, ...urls]),
      signal,
      log,
    })
  ).catch((err) => log("discovery_failed", { error: (err as Error).message }, "error"));
}

/** What the drain stops, in order. */
interface Running {
  dispatcher: Dispatcher;
  health: HealthChecker;
  discovery: AbortController;
  server: Deno.HttpServer;
  relay: { close(): void };
  state: { draining: boolean };
}

/** Drains once `signal` aborts: finishes queued and in-flight work, then closes everything. */
function drainOnAbort(signal: AbortSignal, r: Running, graceS: number, log: Logger) {
  return onAbort(signal, async () => {
    r.state.draining = true;
    log("draining", { queued: r.dispatcher.queueLength, inflight: r.dispatcher.inflight });
    const outcome = await withinGrace(r.dispatcher.idle(), graceS);
    if (outcome === "timeout") {
      r.dispatcher.rejectQueued("dispatcher shut down past its grace period");
    }
    r.health.stop();
    r.discovery.abort();
    await r.server.shutdown();
    r.relay.close();
    log("stopped", { outcome });
  });
}

/** Serves until `signal` aborts, then drains. */
export function run(
  options: DispatcherOptions,
  signal: AbortSignal,
  log: Logger = createLogger("dispatcher"),
): RunningDispatcher {
  const pool = new ReplicaPool({
    perReplicaInflight: options.perReplicaInflight,
    ejectAfter: options.ejectAfter,
    onCapacity: () => dispatcher.pump(),
  });
  const registry = createRegistry();
  const metrics = dispatcherMetrics(registry, {
    queueLength: () => dispatcher.queueLength,
    inflight: () => dispatcher.inflight,
    replicas: () => pool.counts(),
  });
  const relay = createHttp1Relay();
  const dispatcher = createDispatcher(pool, { metrics, relay }, options, log);
  const discovery = new AbortController();
  startMembership(pool, options, discovery.signal, log);
  const intervalMs = options.healthIntervalS * 1000;
  const health = startHealthChecks(pool, { intervalMs, timeoutMs: Math.max(100, intervalMs) });
  const state = { draining: false };
  const handler = createHandler({
    dispatcher,
    pool,
    health,
    registry,
    metrics,
    limits: {
      maxBodyBytes: Math.round(options.maxBodyMb * 1024 * 1024),
      maxInflightBytes: Math.round(options.maxInflightMb * 1024 * 1024),
      bodyTimeoutMs: options.bodyTimeoutS * 1000,
      timeoutMs: options.timeoutS * 1000,
    },
    state,
    adminToken: options.adminToken,
    log,
  });
  const listen = { hostname: options.host, port: options.port, onListen() {} };
  const server = Deno.serve(listen, handler.fetch);
  const port = server.addr.port;
  log("listening", { port, balancer: options.balancer, replicas: pool.list().map((r) => r.url) });
  if (!options.adminToken && !/^(127\.|::1$|localhost$)/.test(options.host)) {
    log("admin_api_without_token", {
      host: options.host,
      hint: "the admin API answers any loopback caller, including a proxy on this host: " +
        "set --admin-token when other software on the host forwards outside requests",
    }, "warn");
  }
  log("ready", {});
  const running = { dispatcher, health, discovery, server, relay, state };
  return { port, pool, finished: drainOnAbort(signal, running, options.graceS, log) };
}

/** `deno task dispatcher`: serves until SIGTERM, then drains and exits 0. */
export const DISPATCHER_COMMAND = defineCommand({
  name: "dispatcher",
  usage: DISPATCHER_USAGE,
  flags: DISPATCHER_FLAGS,
  envPrefix: "DISPATCHER",
  async run(options, { signal }) {
    await run(options, signal).finished;
  },
});
