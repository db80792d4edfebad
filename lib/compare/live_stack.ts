/**
 * The local stack of one live run: Prometheus when asked (else the autoscaler's built-in
 * scraper), a dispatcher, and the autoscaler with the local actuator, which spawns the replica
 * processes. Started in that order, stopped in reverse, leftover replicas killed.
 *
 * @module
 */
import type { PolicyName } from "../policy/mod.ts";
import {
  DEFAULT_QUERIES,
  freePort,
  type RunningPrometheus,
  startPrometheus,
} from "../metrics/mod.ts";
import { setTimeout as sleep } from "node:timers/promises";
import { type Started, startScript, waitFor } from "../shared/mod.ts";

/** What the processes of a live run are started with. */
export interface StackOptions {
  /** Metric source of the autoscaler. */
  metrics: "scrape" | "prometheus";
  /** Autoscaler period, seconds. */
  intervalSeconds: number;
  /** Rate window of the metrics, seconds. */
  windowSeconds: number;
  /** Replicas at the start of each run. */
  initialReplicas: number;
  /** Replica bounds. */
  minReplicas: number;
  /** Upper bound. */
  maxReplicas: number;
  /** Delay before a new replica process starts, seconds. */
  startupDelaySeconds: number;
  /** Replica flags (backend, threads). */
  replicaArgs: string;
  /** Stops the run: the load tester is killed and every process stopped. */
  signal?: AbortSignal;
}

/** The processes of one run, filled in as they start (so a failed start stops what did). */
export interface Stack {
  /** Prometheus, with `--metrics prometheus`. */
  prometheus?: RunningPrometheus;
  /** The dispatcher. */
  dispatcher?: Started;
  /** The autoscaler (parent of the replica processes). */
  autoscaler?: Started;
}

/** One policy's run: the policy, its spec and where its decision log goes. */
export interface StackRun {
  /** The policy. */
  policy: PolicyName;
  /** Its spec fields. */
  spec: Record<string, unknown>;
  /** The run's working directory. */
  dir: string;
}

/** Child process ids of `pid` (Linux /proc; empty where unreadable). */
export async function childPids(pid: number): Promise<number[]> {
  const out: number[] = [];
  try {
    for await (const task of Deno.readDir(`/proc/${pid}/task`)) {
      const text = await Deno.readTextFile(`/proc/${pid}/task/${task.name}/children`)
        .catch(() => "");
      for (const p of text.trim().split(/\s+/)) if (p) out.push(Number(p));
    }
  } catch { /* process gone */ }
  return out;
}

/** Replicas the dispatcher at `dispatcherUrl` lists as ready. */
export async function readyReplicas(dispatcherUrl: string): Promise<number> {
  const res = await fetch(`${dispatcherUrl}/admin/replicas`, { signal: AbortSignal.timeout(900) });
  const body = await res.json() as { replicas: { state: string }[] };
  return body.replicas.filter((r) => r.state === "ready").length;
}

/** PromQL queries with every `[1m]` window replaced by `[Ns]`. */
export function windowedQueries(windowSeconds: number): Record<string, string> {
  return Object.fromEntries(
    Object.entries(DEFAULT_QUERIES).map((
      [k, q],
    ) => [k, q.replaceAll("[1m]", `[${windowSeconds}s]`)]),
  );
}

/** The autoscaler's metric flags: Prometheus at `prometheusUrl`, or its 1 s scraper. */
function metricArgs(o: StackOptions, prometheusUrl: string | undefined): string[] {
  if (o.metrics !== "prometheus") {
    return ["--metrics", "scrape", "--scrape-interval", "1", "--window-s", String(o.windowSeconds)];
  }
  return [
    "--metrics",
    "prometheus",
    "--prometheus",
    prometheusUrl!,
    "--queries",
    JSON.stringify(windowedQueries(o.windowSeconds)),
    // the queries' window: the CPU samples' window that hpa's readiness rules read
    ...["--window-s", String(o.windowSeconds)],
  ];
}

/** The autoscaler's command line for `run`, against the dispatcher at `dispatcherUrl`. */
function autoscalerArgs(
  o: StackOptions,
  run: StackRun,
  urls: { dispatcher: string; prometheus?: string; port: number },
): string[] {
  return [
    "run",
    ...["--policy", run.policy, "--spec", JSON.stringify(run.spec)],
    ...["--interval", String(o.intervalSeconds)],
    ...["--min", String(o.minReplicas), "--max", String(o.maxReplicas)],
    ...["--replicas", String(o.initialReplicas)],
    ...metricArgs(o, urls.prometheus),
    ...["--dispatcher", urls.dispatcher, "--actuator", "local"],
    `--replica-args=${o.replicaArgs}`,
    ...["--startup-delay-s", String(o.startupDelaySeconds)],
    ...["--host", "127.0.0.1", "--port", String(urls.port)],
    ...["--decision-log", `${run.dir}/decisions.jsonl`],
  ];
}

/**
 * Starts the stack into `stack` and waits for the initial replicas to be ready (and, with
 * Prometheus, for its first scrapes); returns the dispatcher and the autoscaler.
 */
export async function startStack(
  stack: Stack,
  o: StackOptions,
  run: StackRun,
): Promise<{ dispatcher: Started; autoscaler: Started }> {
  const port = freePort();
  if (o.metrics === "prometheus") {
    stack.prometheus = await startPrometheus({ sdUrl: `http://127.0.0.1:${port}/sd` }, {
      prefix: "compare_prometheus_",
    });
  }
  const dispatcher = await startScript("dispatcher.ts", ["--host", "127.0.0.1", "--port", "0"]);
  stack.dispatcher = dispatcher;
  const urls = { dispatcher: dispatcher.url, prometheus: stack.prometheus?.url, port };
  const autoscaler = await startScript("autoscaler.ts", autoscalerArgs(o, run, urls), {
    timeoutMs: 60_000,
  });
  stack.autoscaler = autoscaler;
  await waitFor(
    `${o.initialReplicas} ready replicas`,
    async () => (await readyReplicas(dispatcher.url)) >= o.initialReplicas,
    { timeoutMs: 90_000, intervalMs: 250, signal: o.signal },
  );
  if (stack.prometheus) await sleep(6000); // first scrapes of the discovered targets
  return { dispatcher, autoscaler };
}

/** Stops what `stack` holds: the autoscaler (and its replicas), the dispatcher, Prometheus. */
export async function stopStack(stack: Stack): Promise<void> {
  const { autoscaler, dispatcher, prometheus } = stack;
  const replicas = autoscaler ? await childPids(autoscaler.child.pid) : [];
  await autoscaler?.stop().catch(() => {});
  await ensureGone(replicas);
  await dispatcher?.stop().catch(() => {});
  await prometheus?.dispose().catch(() => {});
}

const alive = (pid: number) => Deno.stat(`/proc/${pid}`).then(() => true, () => false);

/** Waits for the replica processes to exit (their actuator stops them); kills leftovers. */
async function ensureGone(pids: number[]): Promise<void> {
  for (let i = 0; i < 40; i++) {
    const left = (await Promise.all(pids.map(alive))).some((x) => x);
    if (!left) return;
    await sleep(250);
  }
  for (const pid of pids) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch { /* gone */ }
  }
}
