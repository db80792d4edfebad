/**
 * What a comparison report shows: runs of several policies under one workload (live or
 * simulated), the oracle's cost floor, and optionally a sweep of each policy's main knob.
 *
 * The same shape feeds the HTML page, `summary.json` and the per-second CSVs.
 *
 * @module
 */
import type { RunSummary } from "../sim/mod.ts";

/** Per-interval series of one run; every array has one value per `stepSeconds`. */
export interface ReportSeries {
  /** Requests arriving per second. */
  offered: number[];
  /** Requests answered (2xx) per second. */
  served: number[];
  /** Requests failed (deadline, errors) per second. */
  failed: number[];
  /** Requests refused (queue full) per second. */
  rejected: number[];
  /** Pods paid for (starting, ready, draining). */
  replicas: number[];
  /** Replicas the autoscaler asked for. */
  desired: number[];
  /** p95 latency of the requests completing in the interval, seconds (null when none). */
  p95: (number | null)[];
}

/** One policy's run. */
export interface ReportRun {
  /** Display name, e.g. `cpa` or `hpa (target 70%)`. */
  label: string;
  /** Policy name. */
  policy: string;
  /** The run's figures. */
  summary: RunSummary;
  /** Its series. */
  series: ReportSeries;
}

/** One point of a sweep: a policy at one knob value. */
export interface ReportSweepPoint {
  /** Policy name, or `oracle`. */
  policy: string;
  /** Knob value (NaN at the default setting and for the oracle). */
  value: number;
  /** SLO violations, percent. */
  violationsPercent: number;
  /** Cost, replica-seconds. */
  replicaSeconds: number;
}

/** A policy sweep: every point, the frontiers, and whether cpa's frontier dominates. */
export interface ReportSweep {
  /** The knob swept per policy, e.g. `{hpa: "targetCPUUtilizationPercentage"}`. */
  knobs: Record<string, string>;
  /** Every point. */
  points: ReportSweepPoint[];
  /** Pareto frontier per policy. */
  frontiers: Record<string, ReportSweepPoint[]>;
  /** Per other policy: does cpa's frontier cover every one of its points, and which it misses. */
  dominance: Record<string, { dominates: boolean; uncovered: ReportSweepPoint[] }>;
}

/** Everything the report renders. */
export interface ReportInput {
  /** Page title. */
  title: string;
  /** How the runs were made. */
  mode: "live" | "sim";
  /** Scenario or trace name. */
  scenario: string;
  /** Seed of the workload. */
  seed: number;
  /** The latency SLO, seconds. */
  sloSeconds: number;
  /** ISO time the report was made. */
  createdAt: string;
  /** Seconds per series point (1 unless downsampled). */
  stepSeconds: number;
  /** The runs, one per policy (or policy setting). */
  runs: ReportRun[];
  /** The oracle: fewest replicas per interval that keep the SLO, and its simulated figures. */
  oracle?: { replicas: number[]; replicaSeconds: number; summary?: RunSummary | null };
  /** The knob sweep, when run. */
  sweep?: ReportSweep;
  /** Free-text findings (where a policy wins or loses, and why). */
  notes?: string[];
}

/**
 * Shortens series to at most `maxPoints` by averaging rates and replica counts over equal
 * windows and taking the window's maximum p95 (a latency peak must stay visible).
 */
export function downsample(input: ReportInput, maxPoints: number): ReportInput {
  const length = Math.max(0, ...input.runs.map((r) => r.series.offered.length));
  const factor = Math.max(1, Math.ceil(length / maxPoints));
  if (factor === 1) return input;
  const mean = (xs: number[]) => bucket(xs, factor, (w) => w.reduce((s, v) => s + v, 0) / w.length);
  const peak = (xs: (number | null)[]) =>
    bucket(xs, factor, (w) => {
      const present = w.filter((v): v is number => v !== null && Number.isFinite(v));
      return present.length ? Math.max(...present) : null;
    });
  return {
    ...input,
    stepSeconds: input.stepSeconds * factor,
    runs: input.runs.map((run) => ({
      ...run,
      series: {
        offered: mean(run.series.offered),
        served: mean(run.series.served),
        failed: mean(run.series.failed),
        rejected: mean(run.series.rejected),
        replicas: mean(run.series.replicas),
        desired: mean(run.series.desired),
        p95: peak(run.series.p95),
      },
    })),
    oracle: input.oracle && { ...input.oracle, replicas: mean(input.oracle.replicas) },
  };
}

function bucket<T, R>(values: T[], factor: number, reduce: (window: T[]) => R): R[] {
  const out: R[] = [];
  for (let i = 0; i < values.length; i += factor) out.push(reduce(values.slice(i, i + factor)));
  return out;
}
