/**
 * Live mode: each policy in turn on the real local stack — a dispatcher, the autoscaler with the
 * local actuator (it spawns the replica processes), Prometheus when asked (else the autoscaler's
 * built-in scraper) — under the same load-tester schedule and seed, with a clean reset between
 * policies (every process stopped, the next run starting from the same replica count).
 *
 * Once a second the run samples the replica processes alive (children of the autoscaler: what is
 * paid for), the autoscaler's target (`autoscaler_desired_replicas`) and the replicas the
 * dispatcher routes to; the load tester's `requests.csv` gives the requests. Both are turned into
 * the report's series and summary by live_series.ts, the same definitions as the simulator's.
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
import { liveRun, parseRequestsCsv, type ReplicaSample } from "./live_series.ts";
import type { LiveSchedule } from "./live_scenarios.ts";
import { type Started, startScript } from "../shared/mod.ts";
import type { ReportRun } from "../report/mod.ts";

/** Settings of a live comparison. */
export interface LiveOptions {
  /** Policies, run one after the other. */
  policies: PolicyName[];
  /** Extra spec per policy. */
  specs?: Partial<Record<PolicyName, Record<string, unknown>>>;
  /** The workload. */
  schedule: LiveSchedule;
  /** Seed of arrivals and payload picks. */
  seed: number;
  /** The latency SLO, seconds. */
  sloSeconds: number;
  /** Working directory (per-policy logs, load-tester output). */
  workDir: string;
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
  /** Directory of images the load tester sends ("" for its synthetic 224x224 JPEGs). */
  imagesDir: string;
  /** The oracle's replica-seconds (for the cost ratio). */
  oracleReplicaSeconds?: number;
  /** Progress lines. */
  progress?: (line: string) => void;
  /** Consecutive good seconds that count as recovered. */
  holdSeconds?: number;
  /** Stops the run: the load tester is killed and every process stopped. */
  signal?: AbortSignal;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

/** The value of an unlabelled gauge in Prometheus text, or undefined. */
export function gaugeValue(text: string, name: string): number | undefined {
  const m = text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, "m"));
  const v = m ? Number(m[1]) : NaN;
  return Number.isFinite(v) ? v : undefined;
}

async function readyReplicas(dispatcherUrl: string): Promise<number> {
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

async function waitFor(
  what: string,
  ok: () => Promise<boolean>,
  timeoutMs: number,
  signal?: AbortSignal,
) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    signal?.throwIfAborted();
    if (await ok().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** A policy setting other than its default: a label and spec fields over `o.specs`. */
export interface Variant {
  /** Run label, e.g. `hpa targetCPUUtilizationPercentage=70`. */
  label: string;
  /** Spec fields. */
  spec: Record<string, unknown>;
}

/** Runs one policy (or one setting of it) on the live stack; returns its report run. */
export async function runLivePolicy(
  policy: PolicyName,
  o: LiveOptions,
  variant?: Variant,
): Promise<ReportRun> {
  const label = variant?.label ?? policy;
  const dir = `${o.workDir}/${label.replace(/[^A-Za-z0-9.=-]+/g, "_")}`;
  // cpa reads interval rates out of the windowed rate: tell it the window the metrics use
  const window = policy === "cpa" ? { rateWindowSeconds: o.windowSeconds } : {};
  const spec = { ...window, ...o.specs?.[policy], ...variant?.spec };
  await Deno.mkdir(dir, { recursive: true });
  const workloadFile = `${dir}/workload.txt`;
  await Deno.writeTextFile(workloadFile, o.schedule.counts.join("\n") + "\n");
  const autoscalerPort = freePort();
  let prometheus: RunningPrometheus | undefined;
  let dispatcher: Started | undefined, autoscaler: Started | undefined;
  const samples: ReplicaSample[] = [];
  try {
    if (o.metrics === "prometheus") {
      prometheus = await startPrometheus({ sdUrl: `http://127.0.0.1:${autoscalerPort}/sd` }, {
        prefix: "compare_prometheus_",
      });
    }
    dispatcher = await startScript("dispatcher.ts", ["--host", "127.0.0.1", "--port", "0"]);
    const metricArgs = o.metrics === "prometheus"
      ? [
        "--metrics",
        "prometheus",
        "--prometheus",
        prometheus!.url,
        "--queries",
        JSON.stringify(windowedQueries(o.windowSeconds)),
        // the queries' window: the CPU samples' window that hpa's readiness rules read
        ...["--window-s", String(o.windowSeconds)],
      ]
      : ["--metrics", "scrape", "--scrape-interval", "1", "--window-s", String(o.windowSeconds)];
    autoscaler = await startScript("autoscaler.ts", [
      "run",
      ...["--policy", policy, "--spec", JSON.stringify(spec)],
      ...["--interval", String(o.intervalSeconds)],
      ...["--min", String(o.minReplicas), "--max", String(o.maxReplicas)],
      ...["--replicas", String(o.initialReplicas)],
      ...metricArgs,
      ...["--dispatcher", dispatcher.url, "--actuator", "local"],
      `--replica-args=${o.replicaArgs}`,
      ...["--startup-delay-s", String(o.startupDelaySeconds)],
      ...["--host", "127.0.0.1", "--port", String(autoscalerPort)],
      ...["--decision-log", `${dir}/decisions.jsonl`],
    ], { timeoutMs: 60_000 });
    const d = dispatcher, a = autoscaler;
    await waitFor(
      `${o.initialReplicas} ready replicas`,
      async () => (await readyReplicas(d.url)) >= o.initialReplicas,
      90_000,
      o.signal,
    );
    if (prometheus) await sleep(6000); // first scrapes of the discovered targets
    o.progress?.(`  ${label}: stack ready, sending ${o.schedule.counts.length} s of load`);
    const sampleOnce = async (t0: number) => {
      const [pods, metrics, ready] = await Promise.all([
        childPids(a.child.pid).then((p) => p.length),
        fetch(`${a.url}/metrics`, { signal: AbortSignal.timeout(900) }).then((r) => r.text())
          .catch(() => ""),
        readyReplicas(d.url).catch(() => NaN),
      ]);
      const prev = samples.at(-1);
      samples.push({
        second: Math.floor((performance.now() - t0) / 1000),
        pods,
        desired: gaugeValue(metrics, "autoscaler_desired_replicas") ?? prev?.desired ?? pods,
        ready: Number.isFinite(ready) ? ready : prev?.ready ?? 0,
      });
    };
    const loadDir = `${dir}/load`;
    const load = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "loadtest.ts",
        ...["--endpoint", `${d.url}/predict`, "--trace", workloadFile],
        ...["--seed", String(o.seed), "--body", "raw"],
        ...(o.imagesDir ? ["--images", o.imagesDir] : []),
        ...["--slo-ms", String(Math.round(o.sloSeconds * 1000)), "--out", loadDir, "--quiet"],
        ...["--warmup", "0", "--timeout-ms", "30000"],
      ],
      stdout: "null",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    const kill = () => {
      try {
        load.kill("SIGKILL");
      } catch { /* gone */ }
    };
    o.signal?.addEventListener("abort", kill, { once: true });
    // sample from the load tester's start; realigned to its schedule below
    const started = performance.now();
    let sampling = true;
    const sampler = (async () => {
      for (let k = 0; sampling; k++) {
        await sampleOnce(started);
        await sleep(Math.max(0, started + (k + 1) * 1000 - performance.now()));
      }
    })();
    const out = await load.output();
    const ended = performance.now();
    sampling = false;
    await sampler;
    o.signal?.removeEventListener("abort", kill);
    o.signal?.throwIfAborted();
    if (!out.success && out.code !== 99) {
      throw new Error(
        `loadtest for ${policy} exited ${out.code}: ${
          new TextDecoder().decode(out.stderr).slice(-500)
        }`,
      );
    }
    const summaryJson = JSON.parse(await Deno.readTextFile(`${loadDir}/summary.json`));
    const wall = Number(summaryJson?.duration?.wall_s ?? 0);
    // the schedule's second 0 began `wall` seconds before the load tester exited
    const offset = Math.max(0, Math.round((ended - started) / 1000 - wall));
    const aligned = samples.map((s) => ({ ...s, second: s.second - offset }));
    const requests = parseRequestsCsv(await Deno.readTextFile(`${loadDir}/requests.csv`));
    const { series, summary } = liveRun(requests, aligned, {
      seconds: o.schedule.counts.length,
      sloSeconds: o.sloSeconds,
      steps: o.schedule.steps,
      oracleReplicaSeconds: o.oracleReplicaSeconds,
      holdSeconds: o.holdSeconds,
    });
    return { label, policy, summary, series };
  } finally {
    const replicas = autoscaler ? await childPids(autoscaler.child.pid) : [];
    await autoscaler?.stop().catch(() => {});
    await ensureGone(replicas);
    await dispatcher?.stop().catch(() => {});
    await prometheus?.dispose().catch(() => {});
  }
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

/** Runs every policy in turn (a clean reset between them); returns their report runs. */
export async function runLive(o: LiveOptions): Promise<ReportRun[]> {
  const runs: ReportRun[] = [];
  for (const policy of o.policies) {
    o.signal?.throwIfAborted();
    o.progress?.(`live: ${policy} (${o.schedule.counts.length} s, ${o.metrics})`);
    const run = await runLivePolicy(policy, o);
    const s = run.summary;
    o.progress?.(
      `  ${policy}: violations ${s.violationsPercent.toFixed(1)}%, p95 ${
        (s.p95 * 1000).toFixed(0)
      } ms, ${s.replicaSeconds.toFixed(0)} replica-s`,
    );
    runs.push(run);
  }
  return runs;
}
