/**
 * One scenario, every policy: the oracle's plan (and, optionally, its simulated run), each policy
 * at its default setting, and each policy over its main knob, with the frontiers and the goal
 * checks. This is what `compare.ts` in simulation mode calls per scenario. Every run uses the
 * same seed and starts from the oracle's pods; the warm-up is left out of every figure.
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

/** What every run of a study shares: the workload, the seed, the start and the measured part. */
interface StudySetup {
  /** The scenario. */
  scenario: Scenario;
  /** The study's options. */
  options: StudyOptions;
  /** Seed of every run. */
  seed: number;
  /** The oracle's plan. */
  oracle: OraclePlan;
  /** Mean pod startup, seconds. */
  startup: number;
  /** First measured second (after the warm-up). */
  from: number;
  /** Load steps recovery is timed from. */
  steps: number[];
  /** The oracle's replica-seconds over the measured seconds. */
  oracleReplicaSeconds: number;
}

/** The oracle's plan, the measured part and the load steps of `scenario`. */
function studySetup(scenario: Scenario, options: StudyOptions): StudySetup {
  const calibration = options.base?.calibration ?? K8S_CALIBRATION;
  const startup = startupMeanSeconds(calibration.startup);
  const need = oracleNeed(scenario.rates, options.capacity, { maxReplicas: scenario.maxReplicas });
  const oracle = oraclePlan(need, startup);
  const from = scenario.warmupSeconds;
  const steps = scenario.steps.length > 0
    ? scenario.steps
    : detectSteps(scenario.rates).filter((s) => s >= from);
  let oracleReplicaSeconds = 0;
  for (let k = from; k < oracle.pods.length; k++) oracleReplicaSeconds += oracle.pods[k];
  const seed = options.seed ?? 1;
  return { scenario, options, seed, oracle, startup, from, steps, oracleReplicaSeconds };
}

/** One run of the study, from the oracle's pods at second 0; its row. */
function studyRun(
  setup: StudySetup,
  controller: SimConfig["controller"],
  row: { label: string; policy: string; value: number },
): StudyRow {
  const { scenario, options, steps, oracleReplicaSeconds } = setup;
  const result = runSimulation({
    ...options.base,
    counts: scenario.counts,
    seed: setup.seed,
    controller,
    initialReplicas: setup.oracle.pods[0],
    maxReplicas: scenario.maxReplicas,
    measureFromSecond: setup.from,
  });
  const summary = summarize(result, { steps, oracleReplicaSeconds });
  options.onRun?.(row.label, summary, result);
  return { policy: row.policy, value: row.value, ...summary };
}

/** A policy's spec: the study's extra fields for it, then `extra`. */
function policySpec(options: StudyOptions, p: PolicyName, extra: Record<string, unknown> = {}) {
  return { ...options.specs?.[p], ...extra };
}

/** Every policy to sweep over each value of its knob. */
function sweepRuns(setup: StudySetup): StudyRow[] {
  const options = setup.options;
  const sweep: StudyRow[] = [];
  for (const p of options.sweep ?? options.policies ?? ALL) {
    const knob = SWEEP_KNOBS[p];
    for (const value of options.knobValues?.[p] ?? knob.values) {
      const controller = {
        kind: "policy" as const,
        policy: p,
        spec: policySpec(options, p, { [knob.key]: value }),
      };
      sweep.push(
        studyRun(setup, controller, { label: `${p} ${knob.key}=${value}`, policy: p, value }),
      );
    }
  }
  return sweep;
}

/** The Pareto frontier per swept policy, and whether cpa's points dominate each other's. */
function frontierChecks(
  sweep: StudyRow[],
): Pick<StudyResult, "frontiers" | "cpaDominates" | "cpaDominatesWithinSlo"> {
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
  return { frontiers, cpaDominates, cpaDominatesWithinSlo };
}

/** Runs the oracle, the default policies and the sweeps on `scenario`. */
export function runStudy(scenario: Scenario, options: StudyOptions): StudyResult {
  const setup = studySetup(scenario, options);
  const { oracle, from } = setup;
  const oracleRun = options.simulateOracle === false ? null : studyRun(
    setup,
    { kind: "schedule", pods: oracle.pods, startupSeconds: setup.startup },
    { label: "oracle", policy: "oracle", value: NaN },
  );
  const defaults = (options.policies ?? ALL).map((p) =>
    studyRun(
      setup,
      { kind: "policy", policy: p, spec: policySpec(options, p) },
      { label: `${p} default`, policy: p, value: NaN },
    )
  );
  const sweep = sweepRuns(setup);
  const cpaDefault = defaults.find((r) => r.policy === "cpa");
  return {
    scenario: scenario.name,
    seconds: scenario.counts.length - from,
    warmupSeconds: from,
    oracleReplicaSeconds: setup.oracleReplicaSeconds,
    steps: setup.steps,
    oracle,
    oracleRun,
    defaults,
    sweep,
    ...frontierChecks(sweep),
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
