/**
 * One scenario, every policy: the oracle's plan (and, optionally, its simulated run), each policy
 * at its default setting, and each policy over its main knob, with the frontiers and the goal
 * checks. This is what `compare.ts` in simulation mode calls per scenario.
 *
 * Every run of a study uses the same seed (the same arrivals) and starts with the oracle's pods
 * at second 0 ready; the scenario's warm-up is simulated and left out of every figure (the
 * oracle's replica-seconds included), and load steps are detected after it for traces.
 *
 * @module
 */
import type { PolicyName } from "../policy/mod.ts";
import { startupMeanSeconds } from "./calibration.ts";
import type { CapacityTable } from "./capacity.ts";
import { K8S_CALIBRATION } from "./calibration.ts";
import type { SimConfig } from "./config.ts";
import { runSimulation, type SimResult } from "./engine.ts";
import { oracleNeed, type OraclePlan, oraclePlan } from "./oracle.ts";
import type { Scenario } from "./scenarios.ts";
import { detectSteps, type RunSummary, summarize } from "./summary.ts";
import { dominance, paretoFrontier, SWEEP_KNOBS, type SweepPoint } from "./sweep.ts";

/** Options of {@link runStudy}. */
export interface StudyOptions {
  /** The capacity model (capacity.ts `measureCapacity`). */
  capacity: CapacityTable;
  /** Seed of every run (default 1). */
  seed?: number;
  /** Policies at their default setting (default all but none: hpa, cpa-seed, cpa, kpa, queue). */
  policies?: PolicyName[];
  /** Sweep these policies over their knob (default the same list; [] for none). */
  sweep?: PolicyName[];
  /** Knob values per policy, overriding {@link SWEEP_KNOBS}. */
  knobValues?: Partial<Record<PolicyName, number[]>>;
  /** Extra spec fields per policy (applied to default and sweep runs). */
  specs?: Partial<Record<PolicyName, Record<string, unknown>>>;
  /** Simulate the oracle's plan too (default true). */
  simulateOracle?: boolean;
  /** Shared run settings (calibration, dispatcher, metrics, SLO). */
  base?: Pick<SimConfig, "calibration" | "dispatcher" | "metrics" | "sloSeconds" | "arrivalMode">;
  /** Called after each run (progress, logs). */
  onRun?: (label: string, summary: RunSummary, result: SimResult) => void;
}

/** One row of a study table. */
export interface StudyRow extends RunSummary {
  /** Policy name, or "oracle". */
  policy: string;
  /** Knob value (NaN at the default setting and for the oracle). */
  value: number;
}

/** Everything a study found. */
export interface StudyResult {
  /** Scenario name. */
  scenario: string;
  /** Seconds measured per run (after the warm-up). */
  seconds: number;
  /** Warm-up seconds simulated before them. */
  warmupSeconds: number;
  /** The oracle's replica-seconds over the measured seconds: the cost floor. */
  oracleReplicaSeconds: number;
  /** Load steps recovery is timed from. */
  steps: number[];
  /** The oracle's plan. */
  oracle: OraclePlan;
  /** The oracle's simulated run (null when not simulated). */
  oracleRun: StudyRow | null;
  /** Each policy at its default setting. */
  defaults: StudyRow[];
  /** Every sweep point. */
  sweep: StudyRow[];
  /** Pareto frontier per swept policy. */
  frontiers: Record<string, StudyRow[]>;
  /** Does cpa's frontier dominate each other policy's? Uncovered points say where cpa loses. */
  cpaDominates: Record<string, { dominates: boolean; uncovered: StudyRow[] }>;
  /** The same, over the other policy's points with ≤ 5% violations (those that keep a p95 SLO). */
  cpaDominatesWithinSlo: Record<string, { dominates: boolean; uncovered: StudyRow[] }>;
  /** The goal at cpa's default: violations ≤ 1% and cost ≤ 1.3 × the oracle's. */
  cpaGoal: { violationsOk: boolean; costOk: boolean } | null;
}

const ALL: PolicyName[] = ["hpa", "cpa-seed", "cpa", "kpa", "queue"];

/** Runs the oracle, the default policies and the sweeps on `scenario`. */
export function runStudy(scenario: Scenario, options: StudyOptions): StudyResult {
  const seed = options.seed ?? 1;
  const base = options.base ?? {};
  const calibration = base.calibration ?? K8S_CALIBRATION;
  const startup = startupMeanSeconds(calibration.startup);
  const need = oracleNeed(scenario.rates, options.capacity, { maxReplicas: scenario.maxReplicas });
  const oracle = oraclePlan(need, startup);
  const from = scenario.warmupSeconds;
  const steps = scenario.steps.length > 0
    ? scenario.steps
    : detectSteps(scenario.rates).filter((s) => s >= from);
  let oracleReplicaSeconds = 0;
  for (let k = from; k < oracle.pods.length; k++) oracleReplicaSeconds += oracle.pods[k];
  const initialReplicas = oracle.pods[0];
  const run = (
    controller: SimConfig["controller"],
    label: string,
    policy: string,
    value: number,
  ) => {
    const result = runSimulation({
      ...base,
      counts: scenario.counts,
      seed,
      controller,
      initialReplicas,
      maxReplicas: scenario.maxReplicas,
      measureFromSecond: from,
    });
    const summary = summarize(result, { steps, oracleReplicaSeconds });
    options.onRun?.(label, summary, result);
    return { policy, value, ...summary };
  };

  const oracleRun = options.simulateOracle === false ? null : run(
    { kind: "schedule", pods: oracle.pods, startupSeconds: startup },
    "oracle",
    "oracle",
    NaN,
  );
  const spec = (p: PolicyName, extra: Record<string, unknown> = {}) => ({
    ...options.specs?.[p],
    ...extra,
  });
  const defaults = (options.policies ?? ALL).map((p) =>
    run({ kind: "policy", policy: p, spec: spec(p) }, `${p} default`, p, NaN)
  );
  const sweep: StudyRow[] = [];
  for (const p of options.sweep ?? options.policies ?? ALL) {
    const knob = SWEEP_KNOBS[p];
    for (const value of options.knobValues?.[p] ?? knob.values) {
      const controller = {
        kind: "policy" as const,
        policy: p,
        spec: spec(p, { [knob.key]: value }),
      };
      sweep.push(run(controller, `${p} ${knob.key}=${value}`, p, value));
    }
  }
  const frontiers: Record<string, StudyRow[]> = {};
  for (const p of new Set(sweep.map((r) => r.policy))) {
    frontiers[p] = paretoFrontier(sweep.filter((r) => r.policy === p));
  }
  const cpaPoints = sweep.filter((r) => r.policy === "cpa");
  const cpaDominates: StudyResult["cpaDominates"] = {};
  const cpaDominatesWithinSlo: StudyResult["cpaDominates"] = {};
  if (cpaPoints.length > 0) {
    for (const p of Object.keys(frontiers)) {
      if (p === "cpa") continue;
      const points = sweep.filter((r) => r.policy === p);
      cpaDominates[p] = dominance(cpaPoints, points);
      cpaDominatesWithinSlo[p] = dominance(cpaPoints, points, { maxViolationsPercent: 5 });
    }
  }
  const cpaDefault = defaults.find((r) => r.policy === "cpa");
  return {
    scenario: scenario.name,
    seconds: scenario.counts.length - from,
    warmupSeconds: from,
    oracleReplicaSeconds,
    steps,
    oracle,
    oracleRun,
    defaults,
    sweep,
    frontiers,
    cpaDominates,
    cpaDominatesWithinSlo,
    cpaGoal: cpaDefault
      ? {
        violationsOk: cpaDefault.violationsPercent <= 1,
        costOk: (cpaDefault.costRatio ?? Infinity) <= 1.3,
      }
      : null,
  };
}

/** A study point as a frontier point (for plotting with the oracle's). */
export function toPoint(row: StudyRow): SweepPoint {
  return {
    policy: row.policy,
    value: row.value,
    violationsPercent: row.violationsPercent,
    replicaSeconds: row.replicaSeconds,
  };
}
