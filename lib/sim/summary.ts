/**
 * Per-policy result metrics of a run, as pure functions over its totals and per-second series:
 * SLO violation %, recovery time after a load step, the load steps ({@link detectSteps}) and
 * oscillations of the scale target. Their definitions: lib/sim/README.md.
 *
 * @module
 */
import type { SimResult } from "./engine.ts";
import type { SecondSeries } from "./recorder.ts";

/** Percentage of ended requests that violated the SLO (late, failed or rejected); 0 when none. */
export function violationPercent(
  totals: { served: number; late: number; failed: number; rejected: number },
): number {
  const ended = totals.served + totals.failed + totals.rejected;
  return ended === 0 ? 0 : (100 * (totals.late + totals.failed + totals.rejected)) / ended;
}

/** Options of {@link detectSteps}. */
export interface StepOptions {
  /** Seconds averaged on each side (default 60). */
  windowSeconds?: number;
  /** Smallest after/before ratio that is a step (default 1.5). */
  minRatio?: number;
  /** Ignore steps whose after-mean is below this rate (default 0). */
  minRate?: number;
}

/** Seconds at which the rate steps up (see the module doc). */
export function detectSteps(rates: ArrayLike<number>, options: StepOptions = {}): number[] {
  const w = options.windowSeconds ?? 60, minRatio = options.minRatio ?? 1.5;
  const minRate = options.minRate ?? 0;
  const n = rates.length;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + rates[i];
  const mean = (a: number, b: number) => (prefix[b] - prefix[a]) / w;
  const isStep = (t: number) => {
    const before = mean(t - w, t), after = mean(t, t + w);
    return after >= minRate && after > 0 && after >= minRatio * before;
  };
  const steps: number[] = [];
  for (let t = w; t + w <= n; t++) {
    if (!isStep(t)) continue;
    let best = t, bestRise = -Infinity;
    for (let u = t; u < t + w && u + w <= n; u++) {
      const rise = mean(u, u + w) - mean(u - w, u);
      if (isStep(u) && rise > bestRise) [best, bestRise] = [u, rise];
    }
    steps.push(best);
    t = best + w - 1;
  }
  return steps;
}

/** Options of {@link recoveryTimes}. */
export interface RecoveryOptions {
  /** Consecutive good seconds that count as recovered (default 30). */
  holdSeconds?: number;
  /** Largest fraction of a second's requests that may violate for it to be good (default 0.05). */
  maxBadFraction?: number;
}

/** The per-second columns recovery reads. */
export type ViolationColumns = Pick<SecondSeries, "served" | "late" | "failed" | "rejected">;

/** Recovery time after each step (see the module doc); `steps` ascending seconds. */
export function recoveryTimes(
  series: ViolationColumns,
  steps: readonly number[],
  options: RecoveryOptions = {},
): (number | null)[] {
  const hold = options.holdSeconds ?? 30, maxBad = options.maxBadFraction ?? 0.05;
  const n = series.served.length;
  const good = (k: number) => {
    const bad = series.late[k] + series.failed[k] + series.rejected[k];
    const ended = series.served[k] + series.failed[k] + series.rejected[k];
    return ended === 0 || bad <= maxBad * ended;
  };
  return steps.map((t0, i) => {
    const end = i + 1 < steps.length ? steps[i + 1] : n;
    let run = 0;
    for (let k = t0; k < n; k++) {
      if (good(k)) run++;
      else run = 0;
      if (run >= hold) return k - hold + 1 - t0;
      if (k - run + 1 >= end) break;
    }
    return null;
  });
}

/** Direction changes of a replica-count series (see the module doc). */
export function oscillations(replicas: ArrayLike<number>): number {
  let changes = 0, direction = 0;
  for (let i = 1; i < replicas.length; i++) {
    const delta = replicas[i] - replicas[i - 1];
    if (delta === 0) continue;
    const d = delta > 0 ? 1 : -1;
    if (direction !== 0 && d !== direction) changes++;
    direction = d;
  }
  return changes;
}

/** The per-policy figures of one run. */
export interface RunSummary {
  /** Late + failed + rejected over ended requests, percent. */
  violationsPercent: number;
  /** Served-request latency percentiles, seconds. */
  p50: number;
  /** p95, seconds. */
  p95: number;
  /** p99, seconds. */
  p99: number;
  /** Requests that arrived. */
  arrivals: number;
  /** Served later than the SLO. */
  late: number;
  /** Failed (deadline). */
  failed: number;
  /** Rejected (queue full). */
  rejected: number;
  /** Pod-seconds, the cost. */
  replicaSeconds: number;
  /** `replicaSeconds` / the oracle's, when an oracle was given. */
  costRatio: number | null;
  /** Mean pods over the run. */
  meanReplicas: number;
  /** Decisions that changed the replica target. */
  scalingActions: number;
  /** Recovery time after each step, seconds (null: not recovered). */
  recoverySeconds: (number | null)[];
  /** Direction changes of the replica target. */
  oscillations: number;
}

/**
 * Summarises the measured part of a run (`result.measured`: after the warm-up); `steps` are the
 * load steps (run seconds) to time recovery from, and the oracle's replica-seconds cover the
 * same window.
 */
export function summarize(
  result: SimResult,
  options: { steps?: readonly number[]; oracleReplicaSeconds?: number } & RecoveryOptions = {},
): RunSummary {
  const m = result.measured, t = m.totals, s = result.series;
  const oracle = options.oracleReplicaSeconds;
  return {
    violationsPercent: violationPercent(t),
    p50: m.latency.p50,
    p95: m.latency.p95,
    p99: m.latency.p99,
    arrivals: t.arrivals,
    late: t.late,
    failed: t.failed,
    rejected: t.rejected,
    replicaSeconds: m.replicaSeconds,
    costRatio: oracle && oracle > 0 ? m.replicaSeconds / oracle : null,
    meanReplicas: m.replicaSeconds / m.seconds,
    scalingActions: m.scalingActions,
    recoverySeconds: s ? recoveryTimes(s, options.steps ?? [], options) : [],
    oscillations: s ? oscillations(s.desired.subarray(m.fromSecond)) : 0,
  };
}
