/**
 * `queue`: KEDA-style scaling on the dispatcher's backlog, an External metric with an
 * `AverageValue` target: the HPA's `GetExternalPerPodMetricReplicas` proposal on queueLength +
 * inFlight, normalised like the HPA (behavior.ts). The mapping to KEDA and how zero replicas are
 * handled: lib/policy/README.md.
 *
 * @module
 */
import {
  type Behavior,
  type BehaviorState,
  DEFAULT_SCALE_DOWN,
  DEFAULT_SCALE_UP,
  initialBehaviorState,
  normalize,
} from "./behavior.ts";
import { type Decision, directionReason, type Observation, type ReplicaBounds } from "./types.ts";

/** Spec of the `queue` policy (defaults in {@link QUEUE_DEFAULTS}). */
export interface QueueSpec extends ReplicaBounds {
  /** Target of queueLength + inFlight per replica (the AverageValue). Default 10. */
  targetPerReplica: number;
  /** No change while |1 − usageRatio| ≤ tolerance. Default 0.1. */
  tolerance: number;
  /** autoscaling/v2 behavior. Default: the Kubernetes defaults. */
  behavior: Behavior;
}

/** Defaults of {@link QueueSpec}. */
export const QUEUE_DEFAULTS: Readonly<QueueSpec> = Object.freeze({
  minReplicas: 1,
  maxReplicas: 10,
  targetPerReplica: 10,
  tolerance: 0.1,
  behavior: Object.freeze({ scaleUp: DEFAULT_SCALE_UP, scaleDown: DEFAULT_SCALE_DOWN }),
});

/** State of the `queue` policy: recommendations and scale events. */
export type QueueState = BehaviorState;

/** Decides on `queueLength + inFlight` (absent fields count as 0). */
export function decide(
  spec: QueueSpec,
  state: QueueState | undefined,
  observation: Observation,
): Decision<QueueState> {
  const current = observation.currentReplicas;
  const prev = state ?? initialBehaviorState(observation.now, current);
  const metric = (observation.queueLength ?? 0) + (observation.inFlight ?? 0);
  const target = spec.targetPerReplica;
  let proposal: number;
  let reason: string;
  const ratio = current === 0 ? Infinity : metric / (target * current);
  if (current === 0) {
    proposal = Math.ceil(metric / target);
    reason = directionReason(proposal, current);
  } else {
    const downTol = spec.behavior.scaleDown.tolerance ?? spec.tolerance;
    const upTol = spec.behavior.scaleUp.tolerance ?? spec.tolerance;
    if (1 - downTol <= ratio && ratio <= 1 + upTol) {
      proposal = current;
      reason = "WithinTolerance";
    } else {
      proposal = Math.ceil(metric / target);
      reason = directionReason(proposal, current);
    }
  }
  const n = normalize(prev, proposal, {
    now: observation.now,
    currentReplicas: current,
    minReplicas: spec.minReplicas,
    maxReplicas: spec.maxReplicas,
    behavior: spec.behavior,
  });
  return {
    desired: n.desired,
    reason: n.reason ?? reason,
    state: n.state,
    detail: { metric, usageRatio: ratio, proposal },
  };
}
