/**
 * `hpa`: the Kubernetes autoscaling/v2 HorizontalPodAutoscaler for a CPU `Utilization` target:
 * the raw proposal of replica_calculator.go (`GetResourceReplicas`), normalised by
 * {@link normalize} (behavior.ts) as horizontal.go does. Sources: lib/policy/README.md.
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
  recordScaleEvent,
} from "./behavior.ts";
import type { Decision, Observation, PodObservation, ReplicaBounds } from "./types.ts";

/** Spec of the `hpa` policy (defaults in {@link HPA_DEFAULTS}). */
export interface HpaSpec extends ReplicaBounds {
  /** Target average CPU utilisation, percent of the request. Default 50. */
  targetCPUUtilizationPercentage: number;
  /** No change while |1 - usageRatio| ≤ tolerance. Default 0.1 (kube-controller-manager). */
  tolerance: number;
  /** `--horizontal-pod-autoscaler-cpu-initialization-period`, seconds. Default 300. */
  cpuInitializationPeriodSeconds: number;
  /** `--horizontal-pod-autoscaler-initial-readiness-delay`, seconds. Default 30. */
  initialReadinessDelaySeconds: number;
  /** autoscaling/v2 behavior. Default: {@link DEFAULT_SCALE_UP} and {@link DEFAULT_SCALE_DOWN}. */
  behavior: Behavior;
}

/** Defaults of {@link HpaSpec}: minReplicas 1, maxReplicas 10, the Kubernetes values otherwise. */
export const HPA_DEFAULTS: Readonly<HpaSpec> = Object.freeze({
  minReplicas: 1,
  maxReplicas: 10,
  targetCPUUtilizationPercentage: 50,
  tolerance: 0.1,
  cpuInitializationPeriodSeconds: 300,
  initialReadinessDelaySeconds: 30,
  behavior: Object.freeze({ scaleUp: DEFAULT_SCALE_UP, scaleDown: DEFAULT_SCALE_DOWN }),
});

/** State of the `hpa` policy: recommendations and scale events. */
export type HpaState = BehaviorState;

/** Pods sorted the way `groupPods` sorts them (indices into `observation.pods`). */
export interface PodGroups {
  /** Pods whose CPU metric counts. */
  ready: number[];
  /** Pending pods, and pods whose CPU is not trusted yet (unready or young). */
  unready: number[];
  /** Pods without a metric. */
  missing: number[];
  /** Terminating or Failed pods: left out of everything. */
  ignored: number[];
}

/**
 * Sorts pods as `groupPods` does: deleting or Failed → ignored; Pending → unready; no metric →
 * missing; CPU within `cpuInitializationPeriod` of start → unready if not Ready or if the metric
 * window started before the last readiness transition; after it → unready only if not Ready and
 * the pod never became Ready (its readiness last changed within `initialReadinessDelay` of start).
 */
export function groupPods(
  pods: readonly PodObservation[],
  now: number,
  spec: Pick<HpaSpec, "cpuInitializationPeriodSeconds" | "initialReadinessDelaySeconds">,
): PodGroups {
  const groups: PodGroups = { ready: [], unready: [], missing: [], ignored: [] };
  for (let i = 0; i < pods.length; i++) {
    const pod = pods[i];
    const phase = pod.phase ?? "Running";
    if (pod.deleting === true || phase === "Failed") {
      groups.ignored.push(i);
      continue;
    }
    if (phase === "Pending") {
      groups.unready.push(i);
      continue;
    }
    if (pod.cpuUsageMilli === undefined) {
      groups.missing.push(i);
      continue;
    }
    const ready = pod.ready !== false;
    const start = pod.startTime ?? -Infinity;
    const transition = pod.readyTransitionTime ?? start;
    let unready: boolean;
    if (start + spec.cpuInitializationPeriodSeconds > now) {
      const metricAt = pod.metricTimestamp ?? now;
      unready = !ready || metricAt < transition + (pod.metricWindowSeconds ?? 30);
    } else {
      unready = !ready && start + spec.initialReadinessDelaySeconds > transition;
    }
    (unready ? groups.unready : groups.ready).push(i);
  }
  return groups;
}

/** The raw proposal of {@link cpuReplicas}. */
export interface CpuProposal {
  /** Proposed replicas, or `null` when no pod has a usable metric. */
  replicas: number | null;
  /** `AboveTarget`, `BelowTarget`, `WithinTolerance`, `DirectionReversed`, `MetricsUnavailable`. */
  reason: string;
  /** Usage ratio from the pods with metrics (utilisation / target), when known. */
  usageRatio?: number;
  /** Usage ratio after missing and unready pods were filled in, when that happened. */
  rebalancedRatio?: number;
}

/** Utilisation in whole percent (truncated), as `GetResourceUtilizationRatio` computes it. */
function utilization(usage: number, requests: number): number {
  return Math.trunc((usage * 100) / requests);
}

/**
 * `GetResourceReplicas`: `ceil(usageRatio × readyPodCount)` with the tolerance band, then — when
 * pods lack metrics, or are unready while scaling up — a second pass that counts missing pods at
 * max(100%, target) of their request on a scale-down and 0% on a scale-up, unready pods at 0% on
 * a scale-up, and keeps the current count if the new ratio is within tolerance or would reverse
 * the direction of the first.
 */
export function cpuReplicas(spec: HpaSpec, observation: Observation): CpuProposal {
  const pods = observation.pods ?? [];
  const current = observation.currentReplicas;
  const g = groupPods(pods, observation.now, spec);
  if (g.ready.length === 0) return { replicas: null, reason: "MetricsUnavailable" };
  let usage = 0;
  let requests = 0;
  for (const i of g.ready) {
    usage += pods[i].cpuUsageMilli!;
    requests += pods[i].cpuRequestMilli!;
  }
  const target = spec.targetCPUUtilizationPercentage;
  const ratio = utilization(usage, requests) / target;
  const downTol = spec.behavior.scaleDown.tolerance ?? spec.tolerance;
  const upTol = spec.behavior.scaleUp.tolerance ?? spec.tolerance;
  const within = (r: number) => 1 - downTol <= r && r <= 1 + upTol;

  const scaleUpWithUnready = g.unready.length > 0 && ratio > 1;
  if (!scaleUpWithUnready && g.missing.length === 0) {
    if (within(ratio)) return { replicas: current, reason: "WithinTolerance", usageRatio: ratio };
    const replicas = Math.ceil(ratio * g.ready.length);
    return { replicas, reason: ratio > 1 ? "AboveTarget" : "BelowTarget", usageRatio: ratio };
  }

  let count = g.ready.length;
  if (g.missing.length > 0 && ratio !== 1) {
    const fallback = ratio < 1 ? Math.max(100, target) : 0;
    for (const i of g.missing) {
      const request = pods[i].cpuRequestMilli!;
      usage += Math.trunc((request * fallback) / 100);
      requests += request;
      count++;
    }
  }
  if (scaleUpWithUnready) {
    for (const i of g.unready) requests += pods[i].cpuRequestMilli!;
    count += g.unready.length;
  }
  const rebalanced = utilization(usage, requests) / target;
  const detail = { usageRatio: ratio, rebalancedRatio: rebalanced };
  if (within(rebalanced)) return { replicas: current, reason: "WithinTolerance", ...detail };
  if ((ratio < 1 && rebalanced > 1) || (ratio > 1 && rebalanced < 1)) {
    return { replicas: current, reason: "DirectionReversed", ...detail };
  }
  const replicas = Math.ceil(rebalanced * count);
  if ((rebalanced < 1 && replicas > current) || (rebalanced > 1 && replicas < current)) {
    return { replicas: current, reason: "DirectionReversed", ...detail };
  }
  return { replicas, reason: rebalanced > 1 ? "AboveTarget" : "BelowTarget", ...detail };
}

/**
 * Decides like the HPA controller: a target scaled to 0 with `minReplicas` > 0 is left alone
 * (`ScalingDisabled`); a count outside [min, max] goes straight to the bound
 * (`AboveMaxReplicas`/`BelowMinReplicas`); otherwise the CPU proposal is normalised by the
 * behavior. Without usable metrics the count is kept (`MetricsUnavailable`) and nothing is
 * recorded, as the controller does when it fails to compute a proposal.
 *
 * Every pod must carry `cpuRequestMilli` (the controller fails without requests).
 */
export function decide(
  spec: HpaSpec,
  state: HpaState | undefined,
  observation: Observation,
): Decision<HpaState> {
  const current = observation.currentReplicas;
  const prev = state ?? initialBehaviorState(observation.now, current);
  const ctx = {
    now: observation.now,
    currentReplicas: current,
    minReplicas: spec.minReplicas,
    maxReplicas: spec.maxReplicas,
    behavior: spec.behavior,
  };
  if (current === 0 && spec.minReplicas !== 0) {
    return { desired: 0, reason: "ScalingDisabled", state: prev };
  }
  const bound = current > spec.maxReplicas
    ? spec.maxReplicas
    : current < spec.minReplicas
    ? spec.minReplicas
    : null;
  if (bound !== null) {
    const scaleEvents = recordScaleEvent(prev.scaleEvents, { from: current, to: bound }, ctx);
    const reason = bound < current ? "AboveMaxReplicas" : "BelowMinReplicas";
    return { desired: bound, reason, state: { ...prev, scaleEvents } };
  }
  const proposal = cpuReplicas(spec, observation);
  const detail: Record<string, number> = {};
  if (proposal.usageRatio !== undefined) detail.usageRatio = proposal.usageRatio;
  if (proposal.rebalancedRatio !== undefined) detail.rebalancedRatio = proposal.rebalancedRatio;
  if (proposal.replicas === null) {
    return { desired: current, reason: proposal.reason, state: prev, detail };
  }
  detail.proposal = proposal.replicas;
  const n = normalize(prev, proposal.replicas, ctx);
  return { desired: n.desired, reason: n.reason ?? proposal.reason, state: n.state, detail };
}
