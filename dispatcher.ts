/**
 * The dispatcher: the queueing front door (port 5052).
 *
 * `deno task dispatcher --port 5052 --replicas URL,URL --balancer least-outstanding|round-robin|p2c
 * --per-replica-inflight 8 --queue 1024 --timeout-s 30`; every flag is also an environment
 * variable (`DISPATCHER_PORT`, ...). Replicas come from the static list and the admin API, and
 * with `--discovery kubernetes --k8s-service SVC [--k8s-namespace NS] [--k8s-port-name NAME]`
 * from the Service's ready EndpointSlice endpoints (lib/k8s/mod.ts; needs --allow-read for
 * the kubeconfig or the in-cluster token).
 * SIGTERM: readiness turns 503, queued and in-flight requests finish (bounded by `--grace-s`),
 * then the process exits 0.
 *
 * @module
 */
import {
  type BalancerName,
  BALANCERS,
  createBalancer,
  createHandler,
  createHttp1Relay,
  Dispatcher,
  ReplicaPool,
  startHealthChecks,
} from "./lib/dispatcher/mod.ts";
import {
  createLogger,
  type Flags,
  type Logger,
  serveMain,
  systemClock,
  UsageError,
  withinGrace,
} from "./lib/shared/mod.ts";
import { createRegistry, dispatcherMetrics } from "./lib/metrics/mod.ts";

export { createApp } from "./lib/dispatcher/mod.ts";

/** The dispatcher's flags (env prefix `DISPATCHER_`). */
export const DISPATCHER_FLAGS = {
  host: { type: "string", default: "0.0.0.0", help: "address to listen on" },
  port: {
    type: "number",
    default: 5052,
    min: 0,
    max: 65535,
    integer: true,
    help: "port (0 = any free port)",
  },
  replicas: { type: "string", default: "", help: "comma-separated replica base URLs" },
  balancer: {
    type: "string",
    default: "least-outstanding",
    choices: BALANCERS,
    help: "load-balancing algorithm",
  },
  "per-replica-inflight": {
    type: "number",
    default: 8,
    min: 1,
    max: 10_000,
    integer: true,
    help: "most requests at one replica",
  },
  queue: {
    type: "number",
    default: 1024,
    min: 0,
    max: 1_000_000,
    integer: true,
    help: "requests waiting before 429",
  },
  "timeout-s": { type: "number", default: 30, min: 0.001, max: 3600, help: "deadline per request" },
  "max-retries": {
    type: "number",
    default: 2,
    min: 0,
    max: 10,
    integer: true,
    help: "retries after a connection failure",
  },
  "eject-after": {
    type: "number",
    default: 2,
    min: 1,
    max: 1000,
    integer: true,
    help: "connection failures that eject a replica",
  },
  "health-interval-s": {
    type: "number",
    default: 1,
    min: 0.05,
    max: 600,
    help: "readiness probe interval",
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
  "grace-s": { type: "number", default: 30, min: 0, max: 3600, help: "drain time on SIGTERM" },
  "admin-token": {
    type: "string",
    default: "",
    help: "bearer token for /admin (default: loopback only)",
  },
  discovery: {
    type: "string",
    default: "static",
    choices: ["static", "kubernetes"],
    help: "membership source besides the admin API: static list, or EndpointSlices",
  },
  "k8s-namespace": { type: "string", default: "default", help: "kubernetes: Service namespace" },
  "k8s-service": { type: "string", default: "", help: "kubernetes: Service whose slices to watch" },
  "k8s-port-name": {
    type: "string",
    default: "",
    help: "kubernetes: port name in the slices (default the first)",
  },
} as const;

/** Parsed dispatcher options. */
export type DispatcherOptions = Flags<typeof DISPATCHER_FLAGS>;

const USAGE =
  "Usage: deno task dispatcher [options]\n\nQueues, balances and relays inference requests to replicas.";

/** A running dispatcher. */
export interface RunningDispatcher {
  /** Port it listens on. */
  port: number;
  /** The replica set (membership sources write to it). */
  pool: ReplicaPool;
  /** Resolves once drained and closed. */
  finished: Promise<void>;
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
  const dispatcher: Dispatcher = new Dispatcher({
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
  const staticUrls = options.replicas.split(",").map((u) => u.trim()).filter(Boolean);
  for (const url of staticUrls) pool.add(url);
  const discovery = new AbortController();
  if (options.discovery === "kubernetes") {
    if (!options.k8sService) throw new UsageError("--discovery kubernetes needs --k8s-service");
    import("./lib/k8s/mod.ts").then(({ watchEndpointSlices }) =>
      watchEndpointSlices({
        namespace: options.k8sNamespace,
        service: options.k8sService,
        portName: options.k8sPortName,
        onUrls: (urls) => pool.replace([...staticUrls, ...urls]),
        signal: discovery.signal,
        log,
      })
    ).catch((err) => log("discovery_failed", { error: (err as Error).message }, "error"));
  }
  const health = startHealthChecks(pool, {
    intervalMs: options.healthIntervalS * 1000,
    timeoutMs: Math.max(100, options.healthIntervalS * 1000),
  });
  const state = { draining: false };
  const handler = createHandler({
    dispatcher,
    pool,
    health,
    registry,
    metrics,
    limits: {
      maxBodyBytes: Math.round(options.maxBodyMb * 1024 * 1024),
      bodyTimeoutMs: options.bodyTimeoutS * 1000,
      timeoutMs: options.timeoutS * 1000,
    },
    state,
    adminToken: options.adminToken,
    log,
  });
  const server = Deno.serve(
    { hostname: options.host, port: options.port, onListen() {} },
    handler.fetch,
  );
  const port = server.addr.port;
  log("listening", { port, balancer: options.balancer, replicas: pool.list().map((r) => r.url) });
  log("ready", {});

  const finished = new Promise<void>((resolve) => {
    const drain = async () => {
      state.draining = true;
      log("draining", { queued: dispatcher.queueLength, inflight: dispatcher.inflight });
      const outcome = await withinGrace(dispatcher.idle(), options.graceS);
      if (outcome === "timeout") {
        dispatcher.rejectQueued("dispatcher shut down past its grace period");
      }
      health.stop();
      discovery.abort();
      await server.shutdown();
      relay.close();
      log("stopped", { outcome });
      resolve();
    };
    if (signal.aborted) drain();
    else signal.addEventListener("abort", drain, { once: true });
  });
  return { port, pool, finished };
}

if (import.meta.main) {
  await serveMain({
    name: "dispatcher",
    usage: USAGE,
    flags: DISPATCHER_FLAGS,
    envPrefix: "DISPATCHER",
  }, run);
}
