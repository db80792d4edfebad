/**
 * Types shared by every scaling policy: what a policy observes, what it decides, and the small
 * helpers that read an observation the same way in every policy.
 *
 * A policy is a pure function `decide(spec, state, observation)` → {@link Decision}. Time is
 * `observation.now` in seconds; the policy keeps its own history in `state` and returns the next
 * state, which the caller passes back unchanged on the next call.
 *
 * @module
 */

/** Kubernetes pod phases (core/v1 PodPhase). */
export type PodPhase = "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";

/**
 * One pod (replica) as the control loop sees it. Only `hpa` needs per-pod CPU; the other
 * policies use `pods` only to count ready replicas.
 */
export interface PodObservation {
  /** Pod name, used in error messages only. */
  name?: string;
  /** Pod phase; absent means `"Running"`. */
  phase?: PodPhase;
  /** Status of the pod's `Ready` condition; absent means `true`. */
  ready?: boolean;
  /** The pod has a deletion timestamp (it is terminating); absent means `false`. */
  deleting?: boolean;
  /** When the pod started (`status.startTime`), seconds; absent means long ago. */
  startTime?: number;
  /** Last transition time of the `Ready` condition, seconds; absent means `startTime`. */
  readyTransitionTime?: number;
  /** CPU request of the pod in millicores (sum over its containers). Required by `hpa`. */
  cpuRequestMilli?: number;
  /** CPU usage in millicores averaged over the metric window; absent means no metric. */
  cpuUsageMilli?: number;
  /** When the CPU metric was taken, seconds; absent means `now`. */
  metricTimestamp?: number;
  /** Length of the window the CPU metric averages over, seconds; absent means 30. */
  metricWindowSeconds?: number;
}

/** One control-loop observation, the input of every policy (fields a policy needs are noted). */
export interface Observation {
  /** The decision time in seconds (any epoch); the only clock a policy reads. */
  now: number;
  /** Replicas the target is set to now (the scale subresource's `spec.replicas`). */
  currentReplicas: number;
  /** Per-pod state; `hpa` requires it, the others count ready replicas from it when present. */
  pods?: PodObservation[];
  /** Observed p95 request latency, seconds (`cpa-seed`, `cpa`). */
  p95LatencySeconds?: number;
  /** Requests per second entering the dispatcher (`cpa`). */
  arrivalRatePerSecond?: number;
  /** Requests completed per second; lets `cpa` learn the per-replica service rate. */
  throughputPerSecond?: number;
  /** Requests waiting in the dispatcher queue (`cpa`, `kpa`, `queue`). */
  queueLength?: number;
  /** Requests being served by replicas (`kpa`, `queue`). */
  inFlight?: number;
  /** Total concurrency for `kpa`; absent means `queueLength + inFlight`. */
  concurrency?: number;
}

/** What a policy returns: the replica count it wants, why, and its next state. */
export interface Decision<S> {
  /** Desired replica count after normalisation (stabilisation, rate limits, min/max clamp). */
  desired: number;
  /**
   * A fixed token naming the step that bound the result (e.g. `ScaleUpLimit`,
   * `ScaleDownStabilized`, `TooManyReplicas`) or, when no normalisation step bound it, the reason
   * of the raw proposal (e.g. `AboveTarget`, `WithinTolerance`). Low cardinality: usable as a
   * metric label.
   */
  reason: string;
  /** The state to pass to the next call. */
  state: S;
  /** Numbers behind the decision (usage ratio, predicted latency, ...), for logs and tests. */
  detail?: Record<string, number>;
}

/** Replica bounds every policy spec carries. */
export interface ReplicaBounds {
  /** Lowest replica count the policy may return. */
  minReplicas: number;
  /** Highest replica count the policy may return. */
  maxReplicas: number;
}

/** Whether a pod serves traffic: Running, Ready and not terminating. */
export function isPodReady(pod: PodObservation): boolean {
  return (pod.phase ?? "Running") === "Running" && pod.ready !== false && pod.deleting !== true;
}

/**
 * Ready replicas: the pods that are Running, Ready and not terminating when `pods` is given,
 * otherwise `currentReplicas`.
 */
export function readyReplicas(observation: Observation): number {
  const pods = observation.pods;
  if (pods === undefined) return observation.currentReplicas;
  let ready = 0;
  for (const pod of pods) if (isPodReady(pod)) ready++;
  return ready;
}

/** `value` limited to `[low, high]`. */
export function clamp(value: number, low: number, high: number): number {
  return value < low ? low : value > high ? high : value;
}

/** `AboveTarget`, `BelowTarget` or `AtTarget`: a raw proposal compared with the current count. */
export function directionReason(proposal: number, current: number): string {
  return proposal > current ? "AboveTarget" : proposal < current ? "BelowTarget" : "AtTarget";
}
