/**
 * Live mode: each policy in turn on the real local stack (live_stack.ts) under the same
 * load-tester schedule and seed, with a clean reset between policies (every process stopped, the
 * next run starting from the same replica count). Once a second a run samples the replica
 * processes alive, the autoscaler's target and the replicas the dispatcher routes to; with the
 * load tester's `requests.csv` they become the report's series (live_series.ts, the simulator's
 * definitions). Details: lib/compare/README.md.
 *
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { PolicyName } from "../policy/mod.ts";
import type { ReportRun } from "../report/mod.ts";
import type { Started } from "../shared/mod.ts";
import { liveRun, parseRequestsCsv, type ReplicaSample } from "./live_series.ts";
import type { LiveSchedule } from "./live_scenarios.ts";
import {
  childPids,
  readyReplicas,
  type Stack,
  type StackOptions,
  type StackRun,
  startStack,
  stopStack,
} from "./live_stack.ts";

/** Settings of a live comparison (the stack's, see {@link StackOptions}, and these). */
export interface LiveOptions extends StackOptions {
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
  /** Directory of images the load tester sends ("" for its synthetic 224x224 JPEGs). */
  imagesDir: string;
  /** The oracle's replica-seconds (for the cost ratio). */
  oracleReplicaSeconds?: number;
  /** Progress lines. */
  progress?: (line: string) => void;
  /** Consecutive good seconds that count as recovered. */
  holdSeconds?: number;
}

/** The value of an unlabelled gauge in Prometheus text, or undefined. */
export function gaugeValue(text: string, name: string): number | undefined {
  const m = text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, "m"));
  const v = m ? Number(m[1]) : NaN;
  return Number.isFinite(v) ? v : undefined;
}

/** A policy setting other than its default: a label and spec fields over `o.specs`. */
export interface Variant {
  /** Run label, e.g. `hpa targetCPUUtilizationPercentage=70`. */
  label: string;
  /** Spec fields. */
  spec: Record<string, unknown>;
}

/** One run's label and files. */
interface RunFiles extends StackRun {
  /** Run label. */
  label: string;
  /** The schedule's counts, one per line, for the load tester. */
  workloadFile: string;
  /** The load tester's output directory. */
  loadDir: string;
}

/** The run's label, spec and directory; writes the workload file. */
async function prepareRun(
  policy: PolicyName,
  o: LiveOptions,
  variant: Variant | undefined,
): Promise<RunFiles> {
  const label = variant?.label ?? policy;
  const dir = `${o.workDir}/${label.replace(/[^A-Za-z0-9.=-]+/g, "_")}`;
  // cpa reads interval rates out of the windowed rate: tell it the window the metrics use
  const window = policy === "cpa" ? { rateWindowSeconds: o.windowSeconds } : {};
  const spec = { ...window, ...o.specs?.[policy], ...variant?.spec };
  await Deno.mkdir(dir, { recursive: true });
  const workloadFile = `${dir}/workload.txt`;
  await Deno.writeTextFile(workloadFile, o.schedule.counts.join("\n") + "\n");
  return { policy, spec, dir, label, workloadFile, loadDir: `${dir}/load` };
}

/** Runs one policy (or one setting of it) on the live stack; returns its report run. */
export async function runLivePolicy(
  policy: PolicyName,
  o: LiveOptions,
  variant?: Variant,
): Promise<ReportRun> {
  const run = await prepareRun(policy, o, variant);
  const stack: Stack = {};
  try {
    const { dispatcher, autoscaler } = await startStack(stack, o, run);
    o.progress?.(`  ${run.label}: stack ready, sending ${o.schedule.counts.length} s of load`);
    const samples = await runLoad(o, run, dispatcher, autoscaler);
    const requests = parseRequestsCsv(await Deno.readTextFile(`${run.loadDir}/requests.csv`));
    const { series, summary } = liveRun(requests, samples, {
      seconds: o.schedule.counts.length,
      sloSeconds: o.sloSeconds,
      steps: o.schedule.steps,
      oracleReplicaSeconds: o.oracleReplicaSeconds,
      holdSeconds: o.holdSeconds,
    });
    return { label: run.label, policy, summary, series };
  } finally {
    await stopStack(stack);
  }
}

/** Starts the load tester on the run's schedule (killed when `o.signal` aborts). */
function startLoadTester(o: LiveOptions, run: RunFiles, dispatcherUrl: string) {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "loadtest.ts",
      ...["--endpoint", `${dispatcherUrl}/predict`, "--trace", run.workloadFile],
      ...["--seed", String(o.seed), "--body", "raw"],
      ...(o.imagesDir ? ["--images", o.imagesDir] : []),
      ...["--slo-ms", String(Math.round(o.sloSeconds * 1000)), "--out", run.loadDir, "--quiet"],
      ...["--warmup", "0", "--timeout-ms", "30000"],
    ],
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

/**
 * Sends the schedule's load while sampling the replicas once a second; returns the samples
 * aligned to the schedule's seconds. Throws when aborted or when the load tester failed.
 */
async function runLoad(
  o: LiveOptions,
  run: RunFiles,
  dispatcher: Started,
  autoscaler: Started,
): Promise<ReplicaSample[]> {
  const load = startLoadTester(o, run, dispatcher.url);
  const kill = () => {
    try {
      load.kill("SIGKILL");
    } catch { /* gone */ }
  };
  o.signal?.addEventListener("abort", kill, { once: true });
  // sample from the load tester's start; realigned to its schedule below
  const sampling = { on: true, started: performance.now(), samples: [] as ReplicaSample[] };
  const sampler = sampleEverySecond(sampling, dispatcher, autoscaler);
  const out = await load.output();
  const ended = performance.now();
  sampling.on = false;
  await sampler;
  o.signal?.removeEventListener("abort", kill);
  o.signal?.throwIfAborted();
  if (!out.success && out.code !== 99) {
    throw new Error(
      `loadtest for ${run.policy} exited ${out.code}: ${
        new TextDecoder().decode(out.stderr).slice(-500)
      }`,
    );
  }
  const summaryJson = JSON.parse(await Deno.readTextFile(`${run.loadDir}/summary.json`));
  const wall = Number(summaryJson?.duration?.wall_s ?? 0);
  // the schedule's second 0 began `wall` seconds before the load tester exited
  const offset = Math.max(0, Math.round((ended - sampling.started) / 1000 - wall));
  return sampling.samples.map((s) => ({ ...s, second: s.second - offset }));
}

/** Samples once a second, on the second from `state.started`, while `state.on`. */
async function sampleEverySecond(
  state: { on: boolean; started: number; samples: ReplicaSample[] },
  dispatcher: Started,
  autoscaler: Started,
): Promise<void> {
  for (let k = 0; state.on; k++) {
    await sampleOnce(state.samples, state.started, dispatcher, autoscaler);
    await sleep(Math.max(0, state.started + (k + 1) * 1000 - performance.now()));
  }
}

/**
 * One sample: the replica processes alive (children of the autoscaler: what is paid for), the
 * autoscaler's target and the dispatcher's ready replicas (the previous values when unreadable).
 */
async function sampleOnce(
  samples: ReplicaSample[],
  t0: number,
  dispatcher: Started,
  autoscaler: Started,
): Promise<void> {
  const [pods, metrics, ready] = await Promise.all([
    childPids(autoscaler.child.pid).then((p) => p.length),
    fetch(`${autoscaler.url}/metrics`, { signal: AbortSignal.timeout(900) }).then((r) => r.text())
      .catch(() => ""),
    readyReplicas(dispatcher.url).catch(() => NaN),
  ]);
  const prev = samples.at(-1);
  samples.push({
    second: Math.floor((performance.now() - t0) / 1000),
    pods,
    desired: gaugeValue(metrics, "autoscaler_desired_replicas") ?? prev?.desired ?? pods,
    ready: Number.isFinite(ready) ? ready : prev?.ready ?? 0,
  });
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
