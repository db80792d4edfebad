/**
 * `cpa-seed`: the seed project's latency rule, kept as a baseline for comparisons.
 *
 * @module
 */
import {
  clamp,
  type Decision,
  directionReason,
  type Observation,
  type ReplicaBounds,
} from "./types.ts";

/** Spec of the `cpa-seed` policy (defaults in {@link CPA_SEED_DEFAULTS}). */
export interface CpaSeedSpec extends ReplicaBounds {
  /** The p95 latency target, seconds. Default 0.5 (the seed's). */
  targetLatencySeconds: number;
}

/** Defaults of {@link CpaSeedSpec}: minReplicas 1, maxReplicas 10, targetLatencySeconds 0.5. */
export const CPA_SEED_DEFAULTS: Readonly<CpaSeedSpec> = Object.freeze({
  minReplicas: 1,
  maxReplicas: 10,
  targetLatencySeconds: 0.5,
});

/** The seed rule keeps no state. */
export type CpaSeedState = Record<string, never>;

/**
 * The seed's rule, `max(1, ceil(p95 / target))`, clamped to [min, max]; without a p95 the count
 * is kept (`MetricsUnavailable`). No stabilisation and no rate limits: the seed had none.
 *
 * Its flaw: the rule ignores the current replica count. The p95 says how far latency is from the
 * target, not how many replicas produced it, so the answer is the same for 1 replica or 8. With 8
 * replicas and a p95 just under the target it proposes 1 replica — an 8× cut that overloads the
 * survivor — and with 1 overloaded replica and p95 at 10× the target it proposes 10 whatever the
 * load. It scales on the ratio alone, so it oscillates instead of converging (a proportional rule
 * would use `ceil(current × p95 / target)`), and a p95 at or under the target always means 1.
 */
export function decide(
  spec: CpaSeedSpec,
  _state: CpaSeedState | undefined,
  observation: Observation,
): Decision<CpaSeedState> {
  const current = observation.currentReplicas;
  const p95 = observation.p95LatencySeconds;
  if (p95 === undefined) return { desired: current, reason: "MetricsUnavailable", state: {} };
  const raw = Math.max(1, Math.ceil(p95 / spec.targetLatencySeconds));
  const desired = clamp(raw, spec.minReplicas, spec.maxReplicas);
  const reason = desired < raw
    ? "TooManyReplicas"
    : desired > raw
    ? "TooFewReplicas"
    : directionReason(raw, current);
  return { desired, reason, state: {}, detail: { proposal: raw } };
}
