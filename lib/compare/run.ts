/**
 * What `compare.ts run` does with its options: the workload, live or simulated runs of every
 * policy, the oracle, and the report (`index.html`, `summary.json`, `seconds_<policy>.csv`).
 *
 * @module
 */
import { POLICY_NAMES, type PolicyName } from "../policy/mod.ts";
import { type ReportInput, type ReportRun, writeReport } from "../report/mod.ts";
import {
  type Calibration,
  cpaServiceModel,
  K8S_CALIBRATION,
  oracleNeed,
  oraclePlan,
  parseCalibration,
  startupMeanSeconds,
  type StudyResult,
} from "../sim/mod.ts";
import { type LiveOptions, runLive } from "./live_mode.ts";
import { runLiveSweep, sweepFromRuns } from "./live_sweep.ts";
import type { LiveSchedule } from "./live_scenarios.ts";
import { prometheusOnPath } from "../metrics/mod.ts";
import { quickCapacity, simulate } from "./sim_mode.ts";
import { clusterScenario, machineSchedule } from "./workloads.ts";

/** Options of a comparison (the CLI's flags, parsed). */
export interface CompareOptions {
  /** live or sim. */
  mode: "live" | "sim";
  /** Scenario name. */
  scenario: string;
  /** Trace file instead of a scenario ("" for none). */
  trace: string;
  /** Policies. */
  policies: PolicyName[];
  /** SLO, ms. */
  sloMs: number;
  /** Report directory. */
  out: string;
  /** Seed. */
  seed: number;
  /** Sweep each policy over its knob (sim). */
  sweep: boolean;
  /** Seconds of workload (0: the scenario's length in sim; live default applies). */
  duration: number;
  /** Sim: rate scale of the scenario. */
  scale: number;
  /** Calibration file ("" for the built-in). */
  calibration: string;
  /** Live: peak request rate of the machine-scaled workload. */
  peakRps: number;
  /** Live: autoscaler period, seconds. */
  interval: number;
  /** Live: metric rate window, seconds. */
  windowS: number;
  /** Live: replica bounds and start. */
  min: number;
  /** Upper bound. */
  max: number;
  /** Start count. */
  initial: number;
  /** Live: delay before a new replica starts, seconds. */
  startupDelayS: number;
  /** Live: replica flags. */
  replicaArgs: string;
  /** Live: scrape | prometheus | auto. */
  metrics: string;
  /** Live: images directory ("" for synthetic 224x224 JPEGs). */
  images: string;
  /** Traces directory. */
  tracesDir: string;
  /** Knob values per policy for --sweep (JSON `{"hpa": [50, 80]}`; "" for the defaults). */
  knobValues: string;
  /** Spec fields per policy, JSON `{"hpa": {"targetCPUUtilizationPercentage": 70}}` ("" none). */
  specs: string;
  /** Aborts a live run (its processes are stopped). */
  signal?: AbortSignal;
  /** validate: live runs per policy (the table shows medians); default 1. */
  repeat?: number;
}

/** Parses a comma-separated policy list; throws naming a bad entry. */
export function parsePolicies(text: string): PolicyName[] {
  const names = text.split(",").map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new RangeError(`--policies must name at least one policy`);
  for (const n of names) {
    if (!(POLICY_NAMES as readonly string[]).includes(n)) {
      throw new RangeError(
        `--policies entries must be one of ${POLICY_NAMES.join(", ")}: got ${n}`,
      );
    }
  }
  return names as PolicyName[];
}

/** Parses `--knob-values`; throws naming what is wrong. */
export function parseKnobValues(text: string): Partial<Record<PolicyName, number[]>> {
  if (!text.trim()) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RangeError(`--knob-values must be JSON like {"hpa": [50, 80]}: got ${text}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RangeError(`--knob-values must be a JSON object: got ${text}`);
  }
  for (const [k, v] of Object.entries(value)) {
    parsePolicies(k);
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === "number")) {
      throw new RangeError(
        `--knob-values ${k} must be a non-empty list of numbers: got ${JSON.stringify(v)}`,
      );
    }
  }
  return value as Partial<Record<PolicyName, number[]>>;
}

/** Parses `--specs`; throws naming what is wrong. */
export function parseSpecs(text: string): Partial<Record<PolicyName, Record<string, unknown>>> {
  if (!text.trim()) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RangeError(`--specs must be JSON like {"hpa": {"tolerance": 0.2}}: got ${text}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RangeError(`--specs must be a JSON object: got ${text}`);
  }
  for (const [k, v] of Object.entries(value)) {
    parsePolicies(k);
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      throw new RangeError(
        `--specs ${k} must be an object of spec fields: got ${JSON.stringify(v)}`,
      );
    }
  }
  return value as Partial<Record<PolicyName, Record<string, unknown>>>;
}

/** Reads a calibration file, or returns `fallback` for "". */
export async function readCalibration(path: string, fallback: Calibration): Promise<Calibration> {
  if (!path) return fallback;
  const text = await Deno.readTextFile(path);
  try {
    return parseCalibration(JSON.parse(text));
  } catch (err) {
    throw new RangeError(`calibration ${path}: ${(err as Error).message}`);
  }
}

/** The oracle of a live schedule: fewest replicas per second that keep the SLO. */
export function liveOracle(
  schedule: LiveSchedule,
  calibration: Calibration,
  options: { sloSeconds: number; maxReplicas: number },
): { replicas: number[]; replicaSeconds: number } {
  const capacity = quickCapacity(calibration, options.sloSeconds);
  const need = oracleNeed(schedule.rates, capacity, { maxReplicas: options.maxReplicas });
  const plan = oraclePlan(need, startupMeanSeconds(calibration.startup));
  const replicas = Array.from(plan.pods);
  return { replicas, replicaSeconds: replicas.reduce((a, b) => a + b, 0) };
}

/** The `--max-batch` in the live replicas' flags (the replica's default, 8, when absent). */
export function replicaMaxBatch(replicaArgs: string): number {
  const m = /--max-batch(?:=|\s+)(\d+)/.exec(replicaArgs);
  return m ? Number(m[1]) : 8;
}

/**
 * The live runs' specs. With a calibration of this machine (`--calibration`), cpa is told the
 * replica capacity the simulator tells it (`cpaServiceModel`), so a live run and its simulation
 * run the same policy; the user's own spec fields win.
 */
export function liveSpecs(
  o: Pick<CompareOptions, "specs" | "calibration" | "replicaArgs">,
  calibration: Calibration,
): Partial<Record<PolicyName, Record<string, unknown>>> {
  const specs = parseSpecs(o.specs);
  if (!o.calibration) return specs;
  const model = cpaServiceModel(calibration, replicaMaxBatch(o.replicaArgs));
  return { ...specs, cpa: { ...model, ...specs.cpa } };
}

/** The metric source of live runs: `auto` is Prometheus when it is on PATH, else the scraper. */
export async function liveMetrics(metrics: string): Promise<"scrape" | "prometheus"> {
  if (metrics !== "auto") return metrics as "scrape" | "prometheus";
  return await prometheusOnPath() ? "prometheus" : "scrape";
}

/** What the live runs share: the stack's settings from the options, and the run's own parts. */
export function liveRunOptions(
  o: CompareOptions,
  run: Pick<LiveOptions, "specs" | "schedule" | "metrics" | "oracleReplicaSeconds" | "progress">,
): LiveOptions {
  return {
    specs: run.specs,
    policies: o.policies,
    schedule: run.schedule,
    seed: o.seed,
    sloSeconds: o.sloMs / 1000,
    workDir: `${o.out}/live_runs`,
    metrics: run.metrics,
    intervalSeconds: o.interval,
    windowSeconds: o.windowS,
    initialReplicas: o.initial,
    minReplicas: o.min,
    maxReplicas: o.max,
    startupDelaySeconds: o.startupDelayS,
    replicaArgs: o.replicaArgs,
    imagesDir: o.images,
    oracleReplicaSeconds: run.oracleReplicaSeconds,
    holdSeconds: 10,
    progress: run.progress,
    signal: o.signal,
  };
}

/** Live comparison: returns the report input. */
export async function compareLive(
  o: CompareOptions,
  progress: (line: string) => void,
): Promise<ReportInput> {
  const schedule = await machineSchedule(
    { scenario: o.scenario, traceFile: o.trace || undefined, tracesDir: o.tracesDir },
    { durationSeconds: o.duration || 90, peakRate: o.peakRps },
  );
  const metrics = await liveMetrics(o.metrics);
  const sloSeconds = o.sloMs / 1000;
  const calibration = await readCalibration(o.calibration, K8S_CALIBRATION);
  const oracle = liveOracle(schedule, calibration, { sloSeconds, maxReplicas: o.max });
  progress(`live workload: ${schedule.description} (${schedule.counts.length} s)`);
  const liveOptions = liveRunOptions(o, {
    specs: liveSpecs(o, calibration),
    schedule,
    metrics,
    oracleReplicaSeconds: oracle.replicaSeconds,
    progress,
  });
  const runs: ReportRun[] = await runLive(liveOptions);
  const swept = o.sweep ? await runLiveSweep(liveOptions, parseKnobValues(o.knobValues)) : [];
  const oraclePoint = {
    policy: "oracle",
    value: NaN,
    violationsPercent: 0,
    replicaSeconds: oracle.replicaSeconds,
  };
  return {
    title: `resnet18 autoscaling (live): ${schedule.name}`,
    mode: "live",
    scenario: `${schedule.name}: ${schedule.description}`,
    seed: o.seed,
    sloSeconds,
    createdAt: new Date().toISOString(),
    stepSeconds: 1,
    runs,
    oracle: { replicas: oracle.replicas, replicaSeconds: oracle.replicaSeconds, summary: null },
    ...(swept.length > 0 ? { sweep: sweepFromRuns(swept, oraclePoint) } : {}),
    notes: [
      `Live on this machine: metrics ${metrics}, interval ${o.interval} s, window ${o.windowS} s, ` +
      `replicas ${o.min}–${o.max} (${o.replicaArgs}), startup delay ${o.startupDelayS} s.`,
      `Oracle from the ${calibration.name} calibration's capacity model (not run live).`,
      "Recovery holds 10 good seconds (live runs are short); replicas are processes alive.",
    ],
  };
}

/**
 * A calibration for cluster-scale simulation: the measured replica as pods with a CPU each, so a
 * measured `host` (this machine's cores, shared by the live replicas) is left out.
 */
export function clusterCalibration(calibration: Calibration): Calibration {
  const { host: _host, ...pods } = calibration;
  return pods;
}

/** Simulated comparison: returns the report input and the study. */
export async function compareSim(
  o: CompareOptions,
  progress: (line: string) => void,
  calibration?: Calibration,
): Promise<{ input: ReportInput; study: StudyResult }> {
  const scenario = await clusterScenario(
    { scenario: o.scenario, traceFile: o.trace || undefined, tracesDir: o.tracesDir },
    { scale: o.scale, durationSeconds: o.duration || undefined },
  );
  const cal = clusterCalibration(
    calibration ?? await readCalibration(o.calibration, K8S_CALIBRATION),
  );
  progress(`sim workload: ${scenario.description} (${scenario.counts.length} s, ${cal.name})`);
  return simulate(scenario, {
    policies: o.policies,
    sweep: o.sweep ? o.policies : [],
    knobValues: parseKnobValues(o.knobValues),
    specs: parseSpecs(o.specs),
    seed: o.seed,
    sloSeconds: o.sloMs / 1000,
    calibration: cal,
    progress,
  });
}

/** Runs the comparison and writes the report; returns the path of `index.html`. */
export async function runCompare(
  o: CompareOptions,
  progress: (line: string) => void,
): Promise<{ path: string; input: ReportInput }> {
  const input = o.mode === "live"
    ? await compareLive(o, progress)
    : (await compareSim(o, progress)).input;
  const path = await writeReport(o.out, input);
  return { path, input };
}

/** The per-policy table printed after a run (markdown). */
export function summaryTable(input: ReportInput): string {
  const ms = (s: number) => (Number.isFinite(s) ? (s * 1000).toFixed(0) : "-");
  const lines = [
    "| policy | violations % | p50 ms | p95 ms | p99 ms | failed | rejected | replica-s | × oracle | mean replicas | actions | recovery s | oscillations |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
  ];
  const rows = [...input.runs.map((r) => [r.label, r.summary] as const)];
  if (input.oracle?.summary) rows.push(["oracle", input.oracle.summary]);
  for (const [label, s] of rows) {
    lines.push(
      `| ${label} | ${s.violationsPercent.toFixed(2)} | ${ms(s.p50)} | ${ms(s.p95)} | ${
        ms(s.p99)
      } | ${s.failed} | ${s.rejected} | ${s.replicaSeconds.toFixed(0)} | ${
        s.costRatio === null ? "-" : s.costRatio.toFixed(2)
      } | ${s.meanReplicas.toFixed(2)} | ${s.scalingActions} | ${
        s.recoverySeconds.map((x) => x ?? "never").join(" ") || "-"
      } | ${s.oscillations} |`,
    );
  }
  if (input.oracle) {
    lines.push(`\noracle replica-seconds: ${input.oracle.replicaSeconds.toFixed(0)}`);
  }
  return lines.join("\n");
}
