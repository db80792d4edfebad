/**
 * `kpa`: the Knative Pod Autoscaler's concurrency algorithm with panic mode (knative/serving
 * autoscaler.go `Scale`): stable (60 s) and panic (6 s) window averages of the concurrency,
 * rate bounds around the ready count, panic mode at 200% that never scales down, then the
 * min/max clamp. The mapping to Knative and how the averages are kept: lib/policy/README.md.
 *
 * @module
 */
import {
  clamp,
  type Decision,
  directionReason,
  type Observation,
  readyReplicas,
  type ReplicaBounds,
} from "./types.ts";

/** Spec of the `kpa` policy (defaults in {@link KPA_DEFAULTS}). */
export interface KpaSpec extends ReplicaBounds {
  /**
   * Target concurrency per replica — Knative's `TargetValue` (container-concurrency target ×
   * target utilisation). Default 10: about one full dynamic batch of a ResNet18 replica, where
   * Knative's default of 100 × 70% suits I/O-bound handlers rather than CPU-bound inference.
   */
  targetConcurrencyPerReplica: number;
  /** Stable window, seconds. Default 60. */
  stableWindowSeconds: number;
  /** Panic window, seconds. Default 6 (10% of the stable window). */
  panicWindowSeconds: number;
  /** Panic when desired panic pods / ready pods reaches this, percent. Default 200. */
  panicThresholdPercentage: number;
  /** Most the count may grow in one decision, as a multiple of ready pods. Default 1000. */
  maxScaleUpRate: number;
  /** Most the count may shrink in one decision, as a divisor of ready pods. Default 2. */
  maxScaleDownRate: number;
}

/** Defaults of {@link KpaSpec}: minReplicas 1, maxReplicas 10, Knative's values otherwise. */
export const KPA_DEFAULTS: Readonly<KpaSpec> = Object.freeze({
  minReplicas: 1,
  maxReplicas: 10,
  targetConcurrencyPerReplica: 10,
  stableWindowSeconds: 60,
  panicWindowSeconds: 6,
  panicThresholdPercentage: 200,
  maxScaleUpRate: 1000,
  maxScaleDownRate: 2,
});

/** One concurrency sample. */
export interface ConcurrencySample {
  /** Seconds. */
  at: number;
  /** Total concurrency (requests in flight and queued) at that time. */
  value: number;
}

/** State of the `kpa` policy. */
export interface KpaState {
  /** Samples within the stable window, oldest first. */
  samples: ConcurrencySample[];
  /** When panic was entered or last extended, seconds; `null` when not panicking. */
  panicSince: number | null;
  /** Highest count decided while panicking (never decreased during panic). */
  maxPanicPods: number;
}

function mean(samples: readonly ConcurrencySample[], after: number): number {
  let sum = 0;
  let count = 0;
  for (const s of samples) {
    if (s.at > after) {
      sum += s.value;
      count++;
    }
  }
  return count === 0 ? 0 : sum / count;
}

/**
 * Decides like Knative's `Scale` on total concurrency: `observation.concurrency`, or
 * `inFlight + queueLength` (the dispatcher queue plays the activator's buffer).
 */
export function decide(
  spec: KpaSpec,
  state: KpaState | undefined,
  observation: Observation,
): Decision<KpaState> {
  const { now, currentReplicas: current } = observation;
  const originalReady = readyReplicas(observation);
  const ready = Math.max(1, originalReady);
  const value = observation.concurrency ??
    (observation.inFlight ?? 0) + (observation.queueLength ?? 0);
  const prev: KpaState = state ?? {
    samples: [],
    panicSince: originalReady > 1 ? now : null,
    maxPanicPods: originalReady > 1 ? originalReady : 0,
  };
  const samples = prev.samples.filter((s) => s.at > now - spec.stableWindowSeconds);
  samples.push({ at: now, value });

  const target = spec.targetConcurrencyPerReplica;
  const stable = mean(samples, now - spec.stableWindowSeconds);
  const panic = mean(samples, now - spec.panicWindowSeconds);
  const dspc = Math.ceil(stable / target);
  const dppc = Math.ceil(panic / target);
  const maxUp = Math.ceil(spec.maxScaleUpRate * ready);
  const maxDown = Math.floor(ready / spec.maxScaleDownRate);
  const desiredStable = clamp(dspc, maxDown, maxUp);
  const desiredPanic = clamp(dppc, maxDown, maxUp);

  const over = dppc / ready >= spec.panicThresholdPercentage / 100;
  let panicSince = prev.panicSince;
  let maxPanicPods = prev.maxPanicPods;
  if (over) panicSince = now;
  else if (panicSince !== null && panicSince + spec.stableWindowSeconds < now) {
    panicSince = null;
    maxPanicPods = 0;
  }
  const panicking = panicSince !== null;

  const raw = panicking ? Math.max(dspc, dppc) : dspc;
  const rated = panicking ? Math.max(desiredStable, desiredPanic) : desiredStable;
  let held = rated;
  if (panicking) {
    if (rated > maxPanicPods) maxPanicPods = rated;
    held = maxPanicPods;
  }
  const desired = clamp(held, spec.minReplicas, spec.maxReplicas);
  const reason = desired !== held
    ? (desired < held ? "TooManyReplicas" : "TooFewReplicas")
    : held !== rated
    ? "PanicHold"
    : rated !== raw
    ? (rated < raw ? "ScaleUpLimit" : "ScaleDownLimit")
    : panicking
    ? "PanicMode"
    : directionReason(raw, current);
  return {
    desired,
    reason,
    state: { samples, panicSince, maxPanicPods },
    detail: {
      stableConcurrency: stable,
      panicConcurrency: panic,
      desiredStable,
      desiredPanic,
      panicking: panicking ? 1 : 0,
    },
  };
}
