/**
 * The oracle: the offline optimum that knows the future load, as the cost floor of a scenario.
 * Need (the fewest ready replicas whose capacity covers the smoothed load each second), plan
 * (gaps shorter than a startup kept, each replica created a startup earlier) and cost (Σ pods,
 * as a run is charged). The three steps in full: lib/sim/README.md.
 *
 * @module
 */
import { type CapacityTable, replicasFor } from "./capacity.ts";

/** Options of {@link oracleNeed}. */
export interface NeedOptions {
  /** Lower bound (default 1). */
  minReplicas?: number;
  /** Upper bound (default 1000). */
  maxReplicas?: number;
  /** Centred moving-average window over the load, seconds (default 5). */
  smoothingSeconds?: number;
}

/** Centred moving average of `values` over `window` seconds (shorter at the ends). */
export function movingAverage(values: ArrayLike<number>, window: number): Float64Array {
  if (!Number.isInteger(window) || window < 1) {
    throw new RangeError(`moving-average window must be a whole number ≥ 1: got ${window}`);
  }
  const n = values.length, out = new Float64Array(n);
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + values[i];
  const left = Math.floor((window - 1) / 2), right = window - 1 - left;
  for (let i = 0; i < n; i++) {
    const a = Math.max(0, i - left), b = Math.min(n, i + right + 1);
    out[i] = (prefix[b] - prefix[a]) / (b - a);
  }
  return out;
}

/** Ready replicas needed per second for a load of `rates` requests per second. */
export function oracleNeed(
  rates: ArrayLike<number>,
  capacity: CapacityTable,
  options: NeedOptions = {},
): Int32Array {
  const min = options.minReplicas ?? 1, max = options.maxReplicas ?? 1000;
  const load = movingAverage(rates, options.smoothingSeconds ?? 5);
  const need = new Int32Array(load.length);
  for (let i = 0; i < load.length; i++) {
    need[i] = Math.min(max, Math.max(min, replicasFor(capacity, load[i], max)));
  }
  return need;
}

/** The oracle's replica plan. */
export interface OraclePlan {
  /** Ready replicas per second. */
  ready: Int32Array;
  /** Pods alive per second (ready + starting for what comes next). */
  pods: Int32Array;
  /** Σ pods: the cost floor, replica-seconds. */
  replicaSeconds: number;
  /** Replicas started over the run (beyond those ready at 0). */
  starts: number;
  /** The startup delay the plan allows for, seconds. */
  startupSeconds: number;
}

/** The plan for `need` with a startup delay of `startupSeconds` (see the module doc). */
export function oraclePlan(need: ArrayLike<number>, startupSeconds: number): OraclePlan {
  if (!(startupSeconds >= 0) || !Number.isFinite(startupSeconds)) {
    throw new RangeError(`oracle startup must be a finite number ≥ 0: got ${startupSeconds}`);
  }
  const n = need.length, d = Math.ceil(startupSeconds);
  const ready = new Int32Array(n);
  for (let t = 0; t < n; t++) {
    let best = need[t], right = need[t];
    for (let j = 0; j <= d && t + j < n; j++) {
      if (need[t + j] > right) right = need[t + j];
      const s1 = t + j - d; // left end of a gap of at most d ending at t + j
      for (let s = Math.max(0, s1); s <= t; s++) {
        const v = Math.min(need[s], right);
        if (v > best) best = v;
      }
    }
    ready[t] = best;
  }
  const pods = new Int32Array(n);
  let replicaSeconds = 0, starts = 0;
  for (let t = 0; t < n; t++) {
    let m = ready[t];
    for (let u = t + 1; u <= t + d && u < n; u++) if (ready[u] > m) m = ready[u];
    pods[t] = m;
    replicaSeconds += m;
    if (t > 0 && pods[t] > pods[t - 1]) starts += pods[t] - pods[t - 1];
  }
  return { ready, pods, replicaSeconds, starts, startupSeconds };
}
