/**
 * The actuator interface every backend implements (`local`, `kubernetes`, `dry-run`): read the
 * target's replica count, set it, and list its pods for the per-pod observation `hpa` needs.
 *
 * @module
 */

/** One pod (replica) as an actuator reports it. */
export interface ActuatorPod {
  /** Pod name (or the replica's `host:port` for local processes). */
  name: string;
  /** The label value its CPU series carry in the metrics (`host:port`, or the pod name). */
  instance: string;
  /** Base URL, when known (local processes, EndpointSlices). */
  url?: string;
  /** `Pending` until it listens, then `Running`. */
  phase: "Pending" | "Running";
  /** Serving traffic (registered and ready). */
  ready: boolean;
  /** Being stopped. */
  deleting: boolean;
  /** Start time, seconds since the epoch. */
  startTime: number;
  /** When it last became ready (or unready), seconds since the epoch. */
  readyTransitionTime?: number;
  /** CPU request, millicores. */
  cpuRequestMilli: number;
}

/** What a scale call did. */
export interface ScaleResult {
  /** Replica count before. */
  from: number;
  /** Replica count asked for after clamping to the bounds. */
  to: number;
  /** False when nothing was changed (dry run, or already there). */
  changed: boolean;
}

/** A scale target. */
export interface Actuator {
  /** `local`, `kubernetes` or `dry-run`. */
  readonly kind: string;
  /** The replica count the target is set to (the scale subresource's `spec.replicas`). */
  current(): Promise<number>;
  /** Sets the replica count (clamped to the actuator's bounds); rejects when it cannot. */
  scale(replicas: number): Promise<ScaleResult>;
  /** The target's pods; `undefined` when the actuator cannot list them. */
  pods(): Promise<ActuatorPod[] | undefined>;
  /** Releases what the actuator holds (the local one stops its replicas). */
  close(): Promise<void>;
}

/** `n` limited to `[min, max]`; throws a RangeError naming the bounds when they are invalid. */
export function clampReplicas(n: number, bounds: { min: number; max: number }): number {
  if (!(bounds.min >= 0 && bounds.max >= bounds.min)) {
    throw new RangeError(
      `replica bounds must satisfy 0 <= min <= max: got min ${bounds.min}, max ${bounds.max}`,
    );
  }
  return Math.min(bounds.max, Math.max(bounds.min, Math.round(n)));
}
