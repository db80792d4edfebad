/**
 * Simulation mode: one scenario (or a trace file) at cluster scale through lib/sim's study — the
 * oracle, each policy at its default setting and, optionally, each policy over its main knob —
 * turned into the report's {@link ReportInput}. Series cover the measured seconds (after the
 * scenario's warm-up), the same window as every figure.
 *
 * @module
 */
import type { PolicyName } from "../policy/mod.ts";
import {
  dominanceText,
  type ReportInput,
  type ReportRun,
  type ReportSeries,
  type ReportSweepPoint,
} from "../report/mod.ts";
import {
  type Calibration,
  type CapacityTable,
  measureCapacity,
  runStudy,
  type RunSummary,
  type Scenario,
  type SimResult,
  type StudyResult,
  type StudyRow,
  SWEEP_KNOBS,
  toPoint,
} from "../sim/mod.ts";

/** Options of {@link simulate}. */
export interface SimModeOptions {
  /** Policies at their default setting. */
  policies: PolicyName[];
  /** Policies swept over their knob ([] for none). */
  sweep: PolicyName[];
  /** Seed of every run. */
  seed: number;
  /** The latency SLO, seconds. */
  sloSeconds: number;
  /** Replica model. */
  calibration: Calibration;
  /** Capacity table (measured with the calibration when absent). */
  capacity?: CapacityTable;
  /** Knob values per swept policy (default the sweep module's). */
  knobValues?: Partial<Record<PolicyName, number[]>>;
  /** Extra spec per policy. */
  specs?: Partial<Record<PolicyName, Record<string, unknown>>>;
  /** Progress lines. */
  progress?: (line: string) => void;
}

/** A quick capacity table for a calibration: a coarse grid and shorter trials than the default. */
export function quickCapacity(calibration: Calibration, sloSeconds: number): CapacityTable {
  return measureCapacity({ calibration, sloSeconds }, {
    replicas: [1, 4, 16, 64],
    requestsPerRun: 60_000,
    minSeconds: 200,
    iterations: 8,
  });
}

/** The measured seconds of a run's series as report series. */
export function reportSeries(result: SimResult): ReportSeries {
  const s = result.series;
  if (!s) throw new RangeError("simulation ran without series (recordSeries false)");
  const from = result.measured.fromSecond;
  const cut = (xs: ArrayLike<number>) => Array.from(xs).slice(from);
  return {
    offered: cut(s.offered),
    served: cut(s.served),
    failed: cut(s.failed),
    rejected: cut(s.rejected),
    replicas: cut(s.total),
    desired: cut(s.desired),
    p95: cut(s.p95).map((v) => (Number.isFinite(v) ? v : null)),
  };
}

function summaryOf(row: StudyRow): RunSummary {
  const { policy: _p, value: _v, ...summary } = row;
  return summary;
}

function sweepPoint(row: StudyRow): ReportSweepPoint {
  return toPoint(row);
}

/** The report input of a study (pure). `results` holds each run's SimResult by study label. */
export function studyReport(
  study: StudyResult,
  results: ReadonlyMap<string, SimResult>,
  meta: { title: string; seed: number; sloSeconds: number; notes?: string[]; createdAt?: string },
): ReportInput {
  const runs: ReportRun[] = study.defaults.map((row) => {
    const result = results.get(`${row.policy} default`);
    if (!result) throw new RangeError(`no simulation result for ${row.policy} default`);
    return {
      label: row.policy,
      policy: row.policy,
      summary: summaryOf(row),
      series: reportSeries(result),
    };
  });
  const from = study.warmupSeconds;
  const input: ReportInput = {
    title: meta.title,
    mode: "sim",
    scenario: study.scenario,
    seed: meta.seed,
    sloSeconds: meta.sloSeconds,
    createdAt: meta.createdAt ?? new Date().toISOString(),
    stepSeconds: 1,
    runs,
    oracle: {
      replicas: Array.from(study.oracle.pods).slice(from),
      replicaSeconds: study.oracleReplicaSeconds,
      summary: study.oracleRun ? summaryOf(study.oracleRun) : null,
    },
    notes: meta.notes ?? studyNotes(study),
  };
  if (study.sweep.length > 0) {
    const swept = [...new Set(study.sweep.map((r) => r.policy))];
    input.sweep = {
      knobs: Object.fromEntries(swept.map((p) => [p, SWEEP_KNOBS[p as PolicyName].key])),
      points: [
        ...study.sweep.map(sweepPoint),
        ...(study.oracleRun ? [sweepPoint(study.oracleRun)] : []),
      ],
      frontiers: Object.fromEntries(
        Object.entries(study.frontiers).map(([p, rows]) => [p, rows.map(sweepPoint)]),
      ),
      dominance: Object.fromEntries(
        Object.entries(study.cpaDominates).map(([p, d]) => [
          p,
          { dominates: d.dominates, uncovered: d.uncovered.map(sweepPoint) },
        ]),
      ),
    };
  }
  return input;
}

/** Findings in words: the cheapest policy within the SLO budget, cpa's goal, dominance. */
export function studyNotes(study: StudyResult): string[] {
  const notes: string[] = [];
  const ok = study.defaults.filter((r) => r.violationsPercent <= 5);
  if (ok.length > 0) {
    const best = ok.reduce((a, b) => (b.replicaSeconds < a.replicaSeconds ? b : a));
    notes.push(
      `At their default settings, ${best.policy} is the cheapest policy that keeps violations ` +
        `within 5%: ${best.replicaSeconds.toFixed(0)} replica-seconds, ` +
        `${(best.costRatio ?? NaN).toFixed(2)}× the oracle's cost floor.`,
    );
  } else notes.push("At its default setting, no policy keeps violations within 5%.");
  const cpa = study.defaults.find((r) => r.policy === "cpa");
  if (study.cpaGoal && cpa) {
    const met = study.cpaGoal.violationsOk && study.cpaGoal.costOk;
    notes.push(
      `cpa at its default setting ${met ? "meets" : "misses"} its goal of at most 1% violations ` +
        `at at most 1.3× the oracle's cost: ${cpa.violationsPercent.toFixed(2)}% violations at ` +
        `${(cpa.costRatio ?? NaN).toFixed(2)}×.`,
    );
  }
  for (const [p, d] of Object.entries(study.cpaDominatesWithinSlo)) {
    const knob = SWEEP_KNOBS[p as PolicyName]?.key;
    notes.push(...dominanceText("cpa", p, d, knob).map((line) => `Within 5% violations: ${line}`));
  }
  return notes;
}

/** Runs the study on `scenario` and returns the report input and the study. */
export function simulate(
  scenario: Scenario,
  options: SimModeOptions,
): { input: ReportInput; study: StudyResult } {
  const capacity = options.capacity ?? quickCapacity(options.calibration, options.sloSeconds);
  const results = new Map<string, SimResult>();
  const study = runStudy(scenario, {
    capacity,
    seed: options.seed,
    policies: options.policies,
    sweep: options.sweep,
    knobValues: options.knobValues,
    specs: options.specs,
    base: { calibration: options.calibration, sloSeconds: options.sloSeconds },
    onRun: (label, summary, result) => {
      if (label.endsWith(" default") || label === "oracle") results.set(label, result);
      options.progress?.(
        `  sim ${label}: violations ${summary.violationsPercent.toFixed(2)}%, p95 ${
          (summary.p95 * 1000).toFixed(0)
        } ms, ${summary.replicaSeconds.toFixed(0)} replica-s`,
      );
    },
  });
  const input = studyReport(study, results, {
    title: `resnet18 autoscaling (simulated): ${scenario.name}`,
    seed: options.seed,
    sloSeconds: options.sloSeconds,
  });
  return { input, study };
}
