/**
 * `autoscaler run`: wires the metric source, the actuator, the controller and the HTTP app, and
 * owns the autoscaler's only loop and clock (the scrape timer and the tick timer).
 *
 * @module
 */
import { type Actuator, listReplicas } from "../actuator/mod.ts";
import {
  autoscalerMetrics,
  createPrometheusSource,
  createRegistry,
  createScrapeSource,
  EMULATED_CPU_METRIC,
  EMULATED_CPU_QUERY,
  type MetricSource,
  scrapeAll,
  SeriesStore,
} from "../metrics/mod.ts";
import { InputError, type PolicyName, resolveSpec } from "../policy/mod.ts";
import { createLogger, defineCommand, type Logger, onAbort, UsageError } from "../shared/mod.ts";
import { buildActuator } from "./actuators.ts";
import { type Controller, createApp, createController } from "./app.ts";
import {
  AUTOSCALER_FLAGS,
  AUTOSCALER_RUN_USAGE,
  type AutoscalerOptions,
  jsonFlag,
} from "./flags.ts";
import { Ticker } from "./ticker.ts";

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

/** The policy's spec from the flags, validated now so that a bad `--spec` is a usage error. */
async function runSpec(o: AutoscalerOptions): Promise<Record<string, unknown>> {
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
  return spec;
}

/** Prometheus, or the built-in scraper's series store; hollow replicas report emulated CPU. */
async function metricSource(o: AutoscalerOptions, store: SeriesStore): Promise<MetricSource> {
  if (o.metrics !== "prometheus") {
    const cpuMetric = o.emulated ? EMULATED_CPU_METRIC : undefined;
    return createScrapeSource({ store, windowS: o.windowS, cpuMetric });
  }
  const emulated = o.emulated ? { podCpu: EMULATED_CPU_QUERY } : {};
  return createPrometheusSource({
    url: o.prometheus,
    queries: { ...emulated, ...await jsonFlag(o.queries, "queries") },
    timeoutMs: o.queryTimeoutMs,
    podLabel: o.podLabel,
  });
}

/** Writes each decision line to `--decision-log` (stdout for `-`). */
async function decisionWriter(path: string) {
  const file = path === "-" ? undefined : await Deno.open(path, { create: true, append: true });
  const encoder = new TextEncoder();
  return {
    write: async (line: string) => {
      if (file) await file.write(encoder.encode(line + "\n"));
      else console.log(line);
    },
    close: () => file?.close(),
  };
}

/**
 * The URLs to scrape: `--scrape-targets`, the dispatchers, the replicas they list, and local
 * replicas they do not list yet (not those being stopped, which would read as an outage, nor
 * Kubernetes pods, whose URLs carry no port).
 */
function scrapeTargets(o: AutoscalerOptions, actuator: Actuator, log: Logger) {
  const dispatchers = list(o.dispatcher);
  return async (): Promise<string[]> => {
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
    const pods = actuator.kind === "local" ? await actuator.pods().catch(() => undefined) : [];
    for (const p of pods ?? []) if (p.url && p.phase === "Running" && !p.deleting) urls.add(p.url);
    return [...urls];
  };
}

/** Starts the autoscaler; stops (and, with `local`, stops its replicas) when `signal` aborts. */
export async function run(
  o: AutoscalerOptions,
  signal: AbortSignal,
  log: Logger = createLogger("autoscaler"),
): Promise<RunningAutoscaler> {
  const spec = await runSpec(o);
  const store = new SeriesStore({ retentionS: o.windowS * 2 });
  const source = await metricSource(o, store);
  const actuator = await buildActuator(o, log, list(o.dispatcher));
  const registry = createRegistry();
  const decisions = await decisionWriter(o.decisionLog);
  const controller = createController({
    tick: {
      policy: o.policy as PolicyName,
      spec,
      source,
      actuator,
      backoff: { baseS: o.interval, maxS: o.backoffMaxS },
      windowS: o.windowS,
    },
    metrics: autoscalerMetrics(registry),
    log,
    writeDecision: decisions.write,
  });
  const targets = scrapeTargets(o, actuator, log);
  const resource = o.actuator === "kubernetes" ? o.k8sDeployment : "replicas";
  const app = createApp({
    controller,
    registry,
    resource,
    targets,
    apiAccess: { token: o.apiToken },
  });
  const server = Deno.serve({ hostname: o.host, port: o.port, onListen() {} }, app.fetch);
  const ticker = new Ticker(signal, log);
  if (o.metrics === "scrape") {
    const scrape = async () =>
      scrapeAll(store, await targets(), Date.now() / 1000, { timeoutMs: o.queryTimeoutMs });
    await scrape();
    ticker.every(o.scrapeInterval, scrape);
  }
  ticker.every(o.interval, () => controller.tick(Date.now() / 1000));
  const port = server.addr.port;
  const { policy, metrics, interval } = o;
  log("listening", { port, policy, metrics, actuator: o.actuator, interval_s: interval });
  log("ready", {});
  const finished = onAbort(signal, async () => {
    ticker.stop();
    await server.shutdown();
    await actuator.close();
    decisions.close();
    log("stopped", {});
  });
  return { port, controller, actuator, finished };
}

/** `autoscaler run`: the control loop, until SIGTERM/SIGINT. */
export const RUN_COMMAND = defineCommand({
  name: "autoscaler",
  usage: AUTOSCALER_RUN_USAGE,
  flags: AUTOSCALER_FLAGS,
  envPrefix: "AUTOSCALER",
  async run(options, { signal }) {
    await (await run(options, signal)).finished;
  },
});
