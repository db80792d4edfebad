/**
 * Operating points of a policy over its main knob, their Pareto frontier (SLO violations against
 * replica-seconds: lower is better in both) and the dominance check between two policies.
 *
 * A single operating point proves little (HPA at a 50% CPU target buys low latency with idle
 * replicas), so each policy is run over its knob and compared by frontier: policy A dominates B
 * when for every point of B's frontier some point of A has no more violations at no more cost.
 *
 * @module
 */
import type { PolicyName } from "../policy/mod.ts";

/** A policy's main knob: the spec field and the values swept. */
export interface Knob {
  /** Spec field. */
  key: string;
  /** Values swept, in order. */
  values: number[];
  /** The policy's default value of the knob. */
  defaultValue: number;
}

/** The knob swept per policy (ranges from the issue; cpa-seed's only knob is its target). */
export const SWEEP_KNOBS: Readonly<Record<PolicyName, Knob>> = Object.freeze({
  "hpa": {
    key: "targetCPUUtilizationPercentage",
    values: [30, 40, 50, 60, 70, 80, 90],
    defaultValue: 50,
  },
  "cpa": {
    key: "headroom",
    values: [0, 0.1, 0.15, 0.2, 0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75],
    defaultValue: 0.2,
  },
  "cpa-seed": { key: "targetLatencySeconds", values: [0.125, 0.25, 0.5, 1], defaultValue: 0.5 },
  "kpa": {
    key: "targetConcurrencyPerReplica",
    values: [2, 3, 4, 6, 8, 10, 14],
    defaultValue: 10,
  },
  "queue": { key: "targetPerReplica", values: [2, 3, 4, 6, 8, 10, 14], defaultValue: 10 },
});

/** One operating point. */
export interface SweepPoint {
  /** The policy (or "oracle"). */
  policy: string;
  /** Knob value (NaN for the oracle). */
  value: number;
  /** SLO violations, percent. */
  violationsPercent: number;
  /** Cost, replica-seconds. */
  replicaSeconds: number;
}

/** Whether `a` is at least as good as `b` in both violations and cost. */
export function covers(a: SweepPoint, b: SweepPoint): boolean {
  return a.violationsPercent <= b.violationsPercent && a.replicaSeconds <= b.replicaSeconds;
}

/**
 * The points no other point strictly improves on (no more violations and no more cost, better in
 * one), sorted by cost ascending. Duplicates keep the first.
 */
export function paretoFrontier<P extends SweepPoint>(points: readonly P[]): P[] {
  const out = points.filter((p, i) =>
    !points.some((q, j) =>
      j !== i && covers(q, p) &&
      (q.violationsPercent < p.violationsPercent || q.replicaSeconds < p.replicaSeconds || j < i)
    )
  );
  return out.sort((a, b) => a.replicaSeconds - b.replicaSeconds);
}

/** Result of {@link dominance}. */
export interface Dominance<P extends SweepPoint> {
  /** Every point of `other` is covered by a point of `frontier`. */
  dominates: boolean;
  /** Points of `other` no point of `frontier` covers (where the first policy loses). */
  uncovered: P[];
}

/**
 * Whether the points `mine` dominate the points `other` (see the module doc). With
 * `maxViolationsPercent`, only the points of `other` with at most that many violations must be
 * covered (e.g. 5: the operating points that keep a p95 SLO at all).
 */
export function dominance<P extends SweepPoint>(
  mine: readonly P[],
  other: readonly P[],
  options: { maxViolationsPercent?: number } = {},
): Dominance<P> {
  const max = options.maxViolationsPercent ?? Infinity;
  const target = paretoFrontier(other.filter((p) => p.violationsPercent <= max));
  const uncovered = target.filter((b) => !mine.some((a) => covers(a, b)));
  return { dominates: uncovered.length === 0, uncovered };
}
