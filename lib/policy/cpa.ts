/**
 * `cpa`: the project's latency-SLO policy — the fewest replicas whose predicted p95 stays under
 * the SLO with headroom, sized for the load one reaction time ahead.
 *
 * The model, one tick at a time:
 * 1. Capacity. Each replica serves μ requests/s at saturation, batching included
 *    (`serviceRatePerReplica`, measured by the inference bench). With `learnServiceRate`, μ is
 *    re-estimated whenever the replicas are saturated (requests wait in the dispatcher queue) and
 *    the ready count has not changed for `settleSeconds` (the throughput is a windowed
 *    rate: right after a scale-up it still reflects the old count): the sample is completed
 *    throughput / ready replicas, smoothed by an EWMA (`learningRate`) and kept in state. A
 *    request's own time in a replica is `serviceTimeSeconds` (default 1/μ).
 * 2. Correction. When the observed p95 is over the SLO although the model says the ready
 *    replicas suffice (an overload explains itself: no correction then) and the ready count has
 *    settled, the slowdown k ∈ [1, `maxCorrection`] that makes the model reproduce it at the
 *    current ready replicas and arrival rate is found (replicas k times slower: μ/k and s·k; see
 *    `calibrateSlowdown`). The slowdown is kept in state and relaxes towards 1 with half-life
 *    `correctionHalfLifeSeconds`, so a correction outlives the scale-up it caused instead of
 *    being forgotten the moment latency recovers.
 * 3. Load. The arrival rate λ is a `rate()` over `rateWindowSeconds`, so it lags: after a step it
 *    climbs for a whole window. While it rises the policy plans for the rate it is heading to,
 *    kept in state from the decision at which the rise began (λ₀ at t₀): within a window of t₀
 *    the rise is read as a step, λ₀ + (λ − λ₀) × window / (now − t₀), the rate that produces it;
 *    and any rise is extrapolated `forecastSeconds` ahead (a tick and a pod's startup), λ + slope
 *    × `forecastSeconds`. The forecast λ̂ is the larger, at most `maxForecastFactor` × λ; a flat
 *    or falling rate is taken as it is (scale-down is left to the stabilisation window). The
 *    backlog adds the rate that drains it within `drainSeconds`: λ' = λ̂ + queueLength /
 *    drainSeconds.
 * 4. Sizing. The replicas form one M/M/c queue (the dispatcher's FIFO in front of c replicas).
 *    p95 sojourn ≈ p95 of the Erlang-C waiting time + service time (see queueing.ts); the raw
 *    proposal is the fewest c with that under `targetLatencySeconds × (1 − headroom)` and with
 *    utilisation ρ = λ'/(c·μ) ≤ 1 − headroom: at tens of replicas the latency target alone sizes
 *    for stability, so `headroom` is also a capacity margin, the spare capacity that absorbs a
 *    rise faster than the loop (the knob trading cost for safety). When the service time alone
 *    is over the target (`SLOUnreachable`) it is the fewest c for which 95% of requests do not
 *    wait (and the utilisation bound holds), past which replicas cannot help.
 * 5. Normalisation. The same behavior code as `hpa`: scale down only after the stabilisation
 *    window (the max of the recommendations within it), scale-rate policies, then the clamp.
 *    cpa's default scale-up allows max(4 pods, +200%) per 15 s, so that one decision can follow
 *    a 3× load step.
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
  type ScalingPolicy,
  type ScalingRules,
} from "./behavior.ts";
import { calibrateSlowdown, fewestServers, sojournQuantile } from "./queueing.ts";
import {
  type Decision,
  directionReason,
  type Observation,
  readyReplicas,
  type ReplicaBounds,
} from "./types.ts";

/** The latency percentile the SLO is stated on. */
export const SLO_QUANTILE = 0.95;

/** Spec of the `cpa` policy (defaults in {@link CPA_DEFAULTS}). */
export interface CpaSpec extends ReplicaBounds {
  /** The p95 latency SLO, seconds. Default 0.5. */
  targetLatencySeconds: number;
  /**
   * Plan for p95 ≤ SLO × (1 − headroom) and utilisation ≤ 1 − headroom; in [0, 1). Default 0.2.
   */
  headroom: number;
  /** Requests/s one saturated replica completes, batching included. Default 20. */
  serviceRatePerReplica: number;
  /** A request's time inside a replica, seconds; absent means 1 / service rate. */
  serviceTimeSeconds?: number;
  /** Re-estimate the service rate from throughput while saturated. Default true. */
  learnServiceRate: boolean;
  /** EWMA weight of a new service-rate sample, in (0, 1]. Default 0.2. */
  learningRate: number;
  /**
   * Learn μ or the correction only once the ready count has been unchanged this long (the
   * windowed metrics then describe the current count), seconds. Default 60.
   */
  settleSeconds: number;
  /** Extrapolate a rise older than the rate window this far ahead, seconds. Default 30. */
  forecastSeconds: number;
  /** Window of the arrival-rate metric (`rate()` over it), seconds. Default 60. */
  rateWindowSeconds: number;
  /** Largest forecast as a multiple of the current arrival rate (≥ 1). Default 2. */
  maxForecastFactor: number;
  /** Drain the dispatcher backlog within this many seconds. Default 10. */
  drainSeconds: number;
  /** Largest slowdown the observed-p95 correction may apply (≥ 1). Default 3. */
  maxCorrection: number;
  /** Half-life of the correction's relaxation towards 1, seconds. Default 300. */
  correctionHalfLifeSeconds: number;
  /**
   * Stabilisation and rate rules. Default: autoscaling/v2's scale-down with a 120 s window;
   * scale-up without a window, max(4 pods, 200%) per 15 s.
   */
  behavior: Behavior;
}

/** cpa's default scale-up: no window, max(4 pods, 200%) per 15 s. */
export const CPA_SCALE_UP: Readonly<ScalingRules> = Object.freeze({
  ...DEFAULT_SCALE_UP,
  policies: Object.freeze([
    Object.freeze({ type: "Pods", value: 4, periodSeconds: 15 }),
    Object.freeze({ type: "Percent", value: 200, periodSeconds: 15 }),
  ]) as ScalingPolicy[],
});

/** Defaults of {@link CpaSpec}. */
export const CPA_DEFAULTS: Readonly<CpaSpec> = Object.freeze({
  minReplicas: 1,
  maxReplicas: 10,
  targetLatencySeconds: 0.5,
  headroom: 0.2,
  serviceRatePerReplica: 20,
  learnServiceRate: true,
  learningRate: 0.2,
  settleSeconds: 60,
  forecastSeconds: 30,
  rateWindowSeconds: 60,
  maxForecastFactor: 2,
  drainSeconds: 10,
  maxCorrection: 3,
  correctionHalfLifeSeconds: 300,
  behavior: Object.freeze({
    scaleUp: CPA_SCALE_UP,
    scaleDown: Object.freeze({ ...DEFAULT_SCALE_DOWN, stabilizationWindowSeconds: 120 }),
  }),
});

/** State of the `cpa` policy. */
export interface CpaState extends BehaviorState {
  /** Learned per-replica service rate, requests/s; `null` until the first decision. */
  serviceRate: number | null;
  /** Current slowdown correction (≥ 1). */
  slowdown: number;
  /** When the state was last updated, seconds; `null` before the first decision. */
  updatedAt: number | null;
  /** The arrival rate seen at `updatedAt` (the forecast's previous point); `null` before. */
  arrivalRate: number | null;
  /** When, and at which arrival rate, the current rise began; `null` before the first decision. */
  riseFrom: { at: number; rate: number } | null;
  /** Ready replicas at `updatedAt`; `null` before the first decision. */
  ready: number | null;
  /** Since when the ready count has been `ready`, seconds; `null` before the first decision. */
  readySince: number | null;
}

/** The state of a fresh `cpa` autoscaler (see {@link initialBehaviorState}). */
export function initialCpaState(now: number, currentReplicas: number): CpaState {
  return {
    ...initialBehaviorState(now, currentReplicas),
    serviceRate: null,
    slowdown: 1,
    updatedAt: null,
    arrivalRate: null,
    riseFrom: null,
    ready: null,
    readySince: null,
  };
}

/**
 * Decides the replica count from the arrival rate (or, without it, the throughput), the backlog,
 * the observed p95 and the learned capacity. Without a rate the count is kept
 * (`MetricsUnavailable`) and the state is unchanged.
 */
export function decide(
  spec: CpaSpec,
  state: CpaState | undefined,
  observation: Observation,
): Decision<CpaState> {
  const { now, currentReplicas: current } = observation;
  const prev = state ?? initialCpaState(now, current);
  const lambda = observation.arrivalRatePerSecond ?? observation.throughputPerSecond;
  if (lambda === undefined) return { desired: current, reason: "MetricsUnavailable", state: prev };
  const ready = readyReplicas(observation);
  const queue = observation.queueLength ?? 0;

  const readySince = prev.ready === ready && prev.readySince !== null ? prev.readySince : now;
  const settled = prev.ready === ready && now - readySince >= spec.settleSeconds;
  let mu = prev.serviceRate ?? spec.serviceRatePerReplica;
  const throughput = observation.throughputPerSecond;
  if (spec.learnServiceRate && throughput !== undefined && ready > 0 && queue > 0 && settled) {
    mu += spec.learningRate * (throughput / ready - mu);
  }
  const serviceTime = spec.serviceTimeSeconds ?? 1 / mu;

  // The rise: since the last decision at which the windowed rate did not grow.
  let forecast = lambda;
  let riseFrom = prev.riseFrom;
  if (prev.arrivalRate !== null && prev.updatedAt !== null && now > prev.updatedAt) {
    const slope = (lambda - prev.arrivalRate) / (now - prev.updatedAt);
    if (slope <= 0) riseFrom = { at: now, rate: lambda };
    else {
      riseFrom ??= { at: prev.updatedAt, rate: prev.arrivalRate };
      const elapsed = now - riseFrom.at;
      const step = elapsed < spec.rateWindowSeconds
        ? riseFrom.rate + (lambda - riseFrom.rate) * spec.rateWindowSeconds / elapsed
        : lambda;
      const estimate = Math.max(step, lambda + slope * spec.forecastSeconds);
      forecast = Math.min(estimate, lambda * spec.maxForecastFactor);
    }
  } else riseFrom = { at: now, rate: lambda };
  const planRate = forecast + queue / spec.drainSeconds;
  const target = spec.targetLatencySeconds * (1 - spec.headroom);
  const limit = Math.max(spec.maxReplicas, current) + 1;
  const size = (k: number) => {
    const model = {
      arrivalRate: planRate,
      serviceRate: mu / k,
      serviceTime: serviceTime * k,
      quantile: SLO_QUANTILE,
    };
    const sizing = fewestServers(model, { target, limit });
    const margin = Math.ceil(planRate / (model.serviceRate * (1 - spec.headroom)) - 1e-9);
    return {
      model,
      feasible: sizing.feasible,
      servers: Math.min(limit, Math.max(sizing.servers, margin)),
    };
  };

  const elapsed = prev.updatedAt === null ? 0 : Math.max(0, now - prev.updatedAt);
  let slowdown = 1 + (prev.slowdown - 1) * 0.5 ** (elapsed / spec.correctionHalfLifeSeconds);
  const p95 = observation.p95LatencySeconds;
  if (
    p95 !== undefined && p95 > spec.targetLatencySeconds && lambda > 0 && ready > 0 && settled &&
    size(slowdown).servers <= ready
  ) {
    const model = {
      servers: ready,
      arrivalRate: lambda,
      serviceRate: mu,
      serviceTime,
      quantile: SLO_QUANTILE,
    };
    const k = calibrateSlowdown(model, { observed: p95, maxFactor: spec.maxCorrection });
    if (k > slowdown) slowdown = k;
  }

  const sizing = size(slowdown);
  const effective = sizing.model;
  const proposal = sizing.servers;
  const reason = sizing.feasible ? directionReason(proposal, current) : "SLOUnreachable";

  const n = normalize(prev, proposal, {
    now,
    currentReplicas: current,
    minReplicas: spec.minReplicas,
    maxReplicas: spec.maxReplicas,
    behavior: spec.behavior,
  });
  const predicted = sojournQuantile({ ...effective, servers: Math.max(1, n.desired) });
  return {
    desired: n.desired,
    reason: n.reason ?? reason,
    state: {
      ...n.state,
      serviceRate: mu,
      slowdown,
      updatedAt: now,
      arrivalRate: lambda,
      riseFrom,
      ready,
      readySince,
    },
    detail: { proposal, serviceRate: mu, slowdown, forecast, planRate, predictedP95: predicted },
  };
}
