/**
 * `autoscaler.ts run`: wiring of source, actuator, controller
 * and HTTP app, and the only loop and clock of the autoscaler (the scrape timer and the tick
 * timer). See autoscaler.ts for the command line.
 *
 * @module
 */
import {
  type Actuator,
  type ActuatorPod,
  createDryRunActuator,
  listReplicas,
  LocalActuator,
} from "../actuator/mod.ts";
import { type Controller, createApp, createController } from "./app.ts";
import { AUTOSCALER_FLAGS, type AutoscalerOptions, jsonFlag } from "./flags.ts";
import { createLogger, helpText, type Logger, parseFlags, UsageError } from "../shared/mod.ts";
import {
  autoscalerMetrics,
  createPrometheusSource,
  createRegistry,
  createScrapeSource,
  type MetricSource,
  scrapeAll,
  SeriesStore,
} from "../metrics/mod.ts";
import { InputError, type PolicyName, resolveSpec } from "../policy/mod.ts";

export { AUTOSCALER_FLAGS, type AutoscalerOptions } from "./flags.ts";

const USAGE = "Usage: deno task autoscaler run [options]\n\nThe autoscaling control loop.";

/** A running autoscaler. */
export interface RunningAutoscaler {
  /** Port of the HTTP API. */
  port: number;
  /** The controller (tests tick it directly). */
  controller: Controller;
  /** The actuator. */
  actuator: Actuator;
  /** Resolves after shutdown. */
  finished: Promise<void>;
}

const list = (text: string) => text.split(",").map((s) => s.trim()).filter(Boolean);

async function buildActuator(
  o: AutoscalerOptions,
  log: Logger,
  dispatchers: string[],
): Promise<Actuator> {
  const initial = o.replicas < 0 ? o.min : o.replicas;
  if (o.actuator === "local") {
    const local = new LocalActuator({
      min: o.min,
      max: o.max,
      dispatchers,
      adminToken: o.adminToken,
      script: o.replicaScript,
      replicaArgs: o.replicaArgs.split(/\s+/).filter(Boolean),
      startupDelayS: o.startupDelayS,
      cpuRequestMilli: o.cpuRequestMilli,
      log,
    });
    await local.scale(initial);
    return local;
  }
  if (o.actuator === "kubernetes") {
    const { createKubernetesActuator } = await import("../k8s/mod.ts");
    return createKubernetesActuator({
      namespace: o.k8sNamespace,
      deployment: o.k8sDeployment,
      min: o.min,
      max: o.max,
      log,
    });
  }
  const observe = dispatchers.length === 0 ? undefined : async (): Promise<ActuatorPod[]> => {
    const replicas = await listReplicas(dispatchers[0], {
      timeoutMs: o.queryTimeoutMs,
      token: o.adminToken,
    });
    return replicas.map((r) => ({
      name: new URL(r.url).host,
      instance: new URL(r.url).host,
      url: r.url,
      phase: "Running",
      ready: r.state === "ready",
      deleting: r.state === "draining",
      startTime: 0,
      cpuRequestMilli: o.cpuRequestMilli,
    }));
  };
  return createDryRunActuator({ replicas: initial, min: o.min, max: o.max, observe, log });
}

/**
 * Spec fields the metric source implies: cpa deconvolves the arrival rate's `rate()` window, which
 * for the built-in scraper is `--window-s` (Prometheus' default queries use `[1m]`, cpa's default).
 * `--spec` fields win over these.
 */
export function windowSpec(
  policy: string,
  metrics: string,
  windowS: number,
): { rateWindowSeconds?: number } {
  return policy === "cpa" && metrics !== "prometheus" ? { rateWindowSeconds: windowS } : {};
}

/** Starts the autoscaler; stops (and, with `local`, stops its replicas) when `signal` aborts. */
export async function run(
  o: AutoscalerOptions,
  signal: AbortSignal,
  log: Logger = createLogger("autoscaler"),
): Promise<RunningAutoscaler> {
  if (o.min > o.max) throw new UsageError(`--min must not exceed --max: got ${o.min} > ${o.max}`);
  const spec = {
    ...windowSpec(o.policy, o.metrics, o.windowS),
    ...await jsonFlag(o.spec, "spec"),
    minReplicas: o.min,
    maxReplicas: o.max,
  };
  try {
    resolveSpec(o.policy as PolicyName, spec);
  } catch (err) {
    if (err instanceof InputError) throw new UsageError(`--spec: ${err.message}`);
    throw err;
  }
  const queries = await jsonFlag(o.queries, "queries");
  const dispatchers = list(o.dispatcher);
  const store = new SeriesStore({ retentionS: o.windowS * 2 });
  const source: MetricSource = o.metrics === "prometheus"
    ? createPrometheusSource({
      url: o.prometheus,
      queries,
      timeoutMs: o.queryTimeoutMs,
      podLabel: o.podLabel,
    })
    : createScrapeSource({ store, windowS: o.windowS });
  const actuator = await buildActuator(o, log, dispatchers);
  const registry = createRegistry();
  const metrics = autoscalerMetrics(registry);
  const decisionFile = o.decisionLog === "-"
    ? undefined
    : await Deno.open(o.decisionLog, { create: true, append: true });
  const encoder = new TextEncoder();
  const controller = createController({
    tick: {
      policy: o.policy as PolicyName,
      spec,
      source,
      actuator,
      backoff: { baseS: o.interval, maxS: o.backoffMaxS },
      windowS: o.windowS,
    },
    metrics,
    log,
    writeDecision: async (line) => {
      if (decisionFile) await decisionFile.write(encoder.encode(line + "\n"));
      else console.log(line);
    },
  });
  const scrapeTargets = async (): Promise<string[]> => {
    const urls = new Set([...list(o.scrapeTargets), ...dispatchers]);
    await Promise.all(
      dispatchers.map((d) =>
        listReplicas(d, { timeoutMs: o.queryTimeoutMs, token: o.adminToken })
          .then((rs) => rs.forEach((r) => urls.add(r.url)))
          .catch((err) =>
            log("dispatcher_unreadable", { dispatcher: d, error: (err as Error).message }, "warn")
          )
      ),
    );
    // local replicas the dispatchers do not list yet; not those being stopped (a stopped target
    // would read as an outage), nor Kubernetes pods (their URLs carry no port)
    const pods = actuator.kind === "local" ? await actuator.pods().catch(() => undefined) : [];
    for (const p of pods ?? []) if (p.url && p.phase === "Running" && !p.deleting) urls.add(p.url);
    return [...urls];
  };
  const app = createApp({
    controller,
    registry,
    resource: o.actuator === "kubernetes" ? o.k8sDeployment : "replicas",
    targets: scrapeTargets,
    apiAccess: { token: o.apiToken },
  });
  const server = Deno.serve({ hostname: o.host, port: o.port, onListen() {} }, app.fetch);
  const port = server.addr.port;
  const timers: ReturnType<typeof setTimeout>[] = [];
  const every = (seconds: number, fn: () => Promise<unknown>) => {
    let stopped = false;
    const start = performance.now();
    let k = 0;
    const next = () => {
      if (stopped || signal.aborted) return;
      k = Math.max(k + 1, Math.ceil((performance.now() - start) / (seconds * 1000)));
      const delay = Math.max(0, start + k * seconds * 1000 - performance.now());
      timers.push(
        setTimeout(
          () =>
            fn().catch((err) => log("loop_error", { error: (err as Error).message }, "error"))
              .finally(next),
          delay,
        ),
      );
    };
    next();
    signal.addEventListener("abort", () => stopped = true, { once: true });
  };
  if (o.metrics === "scrape") {
    const scrape = async () =>
      scrapeAll(store, await scrapeTargets(), Date.now() / 1000, { timeoutMs: o.queryTimeoutMs });
    await scrape();
    every(o.scrapeInterval, scrape);
  }
  every(o.interval, () => controller.tick(Date.now() / 1000));
  log("listening", {
    port,
    policy: o.policy,
    metrics: o.metrics,
    actuator: o.actuator,
    interval_s: o.interval,
  });
  log("ready", {});

  const finished = new Promise<void>((resolve) => {
    const stop = async () => {
      timers.forEach(clearTimeout);
      await server.shutdown();
      await actuator.close();
      decisionFile?.close();
      log("stopped", {});
      resolve();
    };
    if (signal.aborted) stop();
    else signal.addEventListener("abort", stop, { once: true });
  });
  return { port, controller, actuator, finished };
}

/** `run` subcommand: parses flags, runs until SIGTERM/SIGINT; returns the exit code. */
export async function runCommand(args: string[]): Promise<number> {
  let options;
  try {
    options = parseFlags(AUTOSCALER_FLAGS, args, { envPrefix: "AUTOSCALER" });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`autoscaler: ${err.message} (see run --help)`);
    return 2;
  }
  if (options === "help") {
    console.log(helpText(USAGE, AUTOSCALER_FLAGS, "AUTOSCALER"));
    return 0;
  }
  const controller = new AbortController();
  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(sig, () => controller.abort());
  }
  try {
    await (await run(options, controller.signal)).finished;
  } catch (err) {
    console.error(`autoscaler: ${err instanceof Error ? err.message : err}`);
    return err instanceof UsageError ? 2 : 1;
  }
  return 0;
}
