/**
 * `autoscaler.ts run`: flags (env prefix `AUTOSCALER_`), wiring of source, actuator, controller
 * and HTTP app, and the only loop and clock of the autoscaler (the scrape timer and the tick
 * timer). See autoscaler.ts for the command line.
 *
 * @module
 */
import { listReplicas } from "./actuator/dispatcher_admin.ts";
import { createDryRunActuator } from "./actuator/dry_run.ts";
import { LocalActuator } from "./actuator/local.ts";
import type { Actuator, ActuatorPod } from "./actuator/types.ts";
import { type Controller, createApp, createController } from "./autoscaler_app.ts";
import { type Flags, helpText, parseFlags, UsageError } from "./cli.ts";
import { createLogger, type Logger } from "./log.ts";
import { createPrometheusSource, createScrapeSource, type MetricSource } from "./metric_source.ts";
import { autoscalerMetrics, createRegistry } from "./metrics.ts";
import { InputError, POLICY_NAMES, type PolicyName, resolveSpec } from "./policy/evaluate.ts";
import { scrapeAll, SeriesStore } from "./scrape.ts";

const int = (def: number, min: number, max: number, help: string) =>
  ({ type: "number", default: def, min, max, integer: true, help }) as const;
const num = (def: number, min: number, max: number, help: string) =>
  ({ type: "number", default: def, min, max, help }) as const;
const str = (def: string, help: string) => ({ type: "string", default: def, help }) as const;

/** The `run` flags (env prefix `AUTOSCALER_`). */
export const AUTOSCALER_FLAGS = {
  policy: { type: "string", default: "hpa", choices: POLICY_NAMES, help: "scaling policy" },
  spec: str("{}", "policy spec: JSON text or a JSON file (min/max come from --min/--max)"),
  interval: num(15, 0.05, 3600, "seconds between decisions"),
  min: int(1, 0, 1000, "fewest replicas"),
  max: int(10, 1, 1000, "most replicas"),
  replicas: int(-1, -1, 1000, "replicas to start with (local) / report (dry-run); -1 = --min"),
  metrics: {
    type: "string",
    default: "scrape",
    choices: ["scrape", "prometheus"],
    help: "metric source",
  },
  prometheus: str("http://127.0.0.1:9090", "Prometheus base URL (--metrics prometheus)"),
  queries: str("", "PromQL overrides: JSON {field: query} or a JSON file"),
  "query-timeout-ms": int(2000, 1, 600_000, "timeout per PromQL query / scrape"),
  "pod-label": str("instance", "label naming the pod in the CPU query's result"),
  "scrape-targets": str("", "extra comma-separated base URLs to scrape (--metrics scrape)"),
  "scrape-interval": num(5, 0.05, 600, "seconds between scrapes (--metrics scrape)"),
  "window-s": num(60, 1, 3600, "rate window of the built-in scraper, seconds"),
  dispatcher: str("", "comma-separated dispatcher base URLs (admin API, scraping)"),
  "admin-token": str("", "bearer token of the dispatchers' admin API"),
  actuator: {
    type: "string",
    default: "dry-run",
    choices: ["local", "kubernetes", "dry-run"],
    help: "what is scaled",
  },
  "replica-script": str("replica.ts", "replica script the local actuator starts"),
  "replica-args": str("", "extra replica flags for the local actuator, space-separated"),
  "startup-delay-s": num(
    0,
    0,
    3600,
    "local: delay before a new replica starts (scheduling, pulls)",
  ),
  "cpu-request-milli": int(
    1000,
    1,
    1_000_000,
    "local/dry-run: CPU request per replica, millicores",
  ),
  "k8s-namespace": str("default", "kubernetes: namespace"),
  "k8s-deployment": str("resnet", "kubernetes: Deployment name"),
  "backoff-max-s": num(300, 0, 86_400, "longest actuator backoff, seconds"),
  host: str("0.0.0.0", "address to listen on"),
  port: int(5000, 0, 65535, "port of /metrics and the CPA API (0 = any free port)"),
  "decision-log": str("-", "JSONL decision log file (- = stdout)"),
} as const;

/** Parsed `run` options. */
export type AutoscalerOptions = Flags<typeof AUTOSCALER_FLAGS>;

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

async function jsonFlag(text: string, flag: string): Promise<Record<string, unknown>> {
  let raw = text.trim();
  if (raw === "") return {};
  if (!raw.startsWith("{")) {
    try {
      raw = await Deno.readTextFile(raw);
    } catch (err) {
      throw new UsageError(
        `--${flag} is neither JSON nor a readable file: ${text} (${(err as Error).message})`,
      );
    }
  }
  try {
    const value = JSON.parse(raw);
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new Error("not an object");
    }
    return value;
  } catch (err) {
    throw new UsageError(
      `--${flag} must be a JSON object: ${(err as Error).message}: got ${raw.slice(0, 80)}`,
    );
  }
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
    const { createKubernetesActuator } = await import("./actuator/k8s.ts");
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

/** Starts the autoscaler; stops (and, with `local`, stops its replicas) when `signal` aborts. */
export async function run(
  o: AutoscalerOptions,
  signal: AbortSignal,
  log: Logger = createLogger("autoscaler"),
): Promise<RunningAutoscaler> {
  if (o.min > o.max) throw new UsageError(`--min must not exceed --max: got ${o.min} > ${o.max}`);
  const spec = { ...await jsonFlag(o.spec, "spec"), minReplicas: o.min, maxReplicas: o.max };
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
