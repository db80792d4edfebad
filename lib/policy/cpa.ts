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
 * 3. Load. The arrival rate λ_w is a `rate()` over `rateWindowSeconds`, so it lags a step by up
 *    to a window. The policy reads the rate of each interval between its decisions out of it
 *    (deconvolution, kept in state; see {@link estimateLoad}): exact counters give a step in full
 *    one interval after it, instead of a window later. The plan is that recent rate, plus
 *    (`forecastSeconds`, default 0: off) the windowed rate's slope that far ahead. A falling
 *    rate is planned for as it is (the scale-down stabilisation window holds the replicas). The
 *    backlog adds the rate that drains it within `drainSeconds`: λ' = plan + queueLength /
 *    drainSeconds. The burst margin b is `burstDeviationsPerHeadroom` × `headroom` (2 at the
 *    defaults) × the RMS change between consecutive interval rates over the last
 *    `burstWindowSeconds` ({@link burstMargin}): Erlang-C sizing
 *    at the mean suits Poisson arrivals, not a load that moves by hundreds of req/s between
 *    decisions, which no reactive loop with a pod startup of ~20 s can follow.
 * 4. Sizing. The replicas form one M/M/c queue (the dispatcher's FIFO in front of c replicas).
 *    p95 sojourn ≈ p95 of the Erlang-C waiting time + service time (see queueing.ts); the raw
 *    proposal is the fewest c with that under `targetLatencySeconds × (1 − headroom)` and with
 *    utilisation ρ = λ'/(c·μ) ≤ 1 − headroom: at tens of replicas the latency target alone sizes
 *    for stability, so `headroom` is also a capacity margin, the spare capacity that absorbs a
 *    rise faster than the loop (the knob trading cost for safety). The spare capacity is at
 *    least the burst margin: c·μ ≥ max(λ'/(1 − headroom), λ' + b) — the larger of the two, not
 *    both, so a bursty load gets spare capacity for its typical move and a calm one (b is then
 *    Poisson noise, ~30 req/s at 1,500 req/s) costs no more than the headroom. When the service time alone
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
import { calibrateSlowdown, fewestServers, sojournQuantile } from "./queueing_model.ts";
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
  /**
   * Extrapolate a rising windowed rate's slope this far ahead, seconds (0: off). Default 0: in
   * the simulator's scenarios the recent rate and the burst margin follow rises at a lower cost.
   */
  forecastSeconds: number;
  /** Window of the arrival-rate metric (`rate()` over it), seconds. Default 60. */
  rateWindowSeconds: number;
  /** Largest forecast as a multiple of the recent arrival rate (≥ 1). Default 2. */
  maxForecastFactor: number;
  /**
   * Weight of the windowed rate in the recent rate, in [0, 1]: the deconvolution's damping (0:
   * pure deconvolution, exact on exact counters; 1: the windowed rate, no deconvolution).
   * Default 0.25.
   */
  recentBlend: number;
  /**
   * Look-back of the burst statistics: the recent rates of the decision intervals within it
   * (see {@link estimateLoad}), seconds. Default 300.
   */
  burstWindowSeconds: number;
  /**
   * Keep at least `headroom` × this many × the RMS change of the interval rates over the
   * look-back as spare capacity (see {@link burstMargin}; 0: off). Default 10: 2 RMS changes at
   * the default headroom of 0.2, so that the one knob, headroom, scales both kinds of spare
   * capacity.
   */
  burstDeviationsPerHeadroom: number;
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
  forecastSeconds: 0,
  rateWindowSeconds: 60,
  maxForecastFactor: 2,
  recentBlend: 0.25,
  burstWindowSeconds: 300,
  burstDeviationsPerHeadroom: 10,
  drainSeconds: 10,
  maxCorrection: 3,
  correctionHalfLifeSeconds: 300,
  behavior: Object.freeze({
    scaleUp: CPA_SCALE_UP,
    scaleDown: Object.freeze({ ...DEFAULT_SCALE_DOWN, stabilizationWindowSeconds: 120 }),
  }),
});

/** The arrival rate over one interval `(at − span, at]`, requests/s. */
export interface RateInterval {
  /** End of the interval, seconds. */
  at: number;
  /** Length of the interval, seconds (> 0). */
  span: number;
  /** Mean arrival rate over it, requests/s. */
  rate: number;
}

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
  /**
   * The arrival rate per decision interval, deconvolved from the windowed rate: the intervals
   * covering the last rate window, oldest first (see {@link estimateLoad}).
   */
  intervals: RateInterval[];
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
    intervals: [],
    ready: null,
    readySince: null,
  };
}

/** The load estimate of one decision (see {@link estimateLoad}). */
export interface LoadEstimate {
  /** Arrival rate over the interval since the previous decision, requests/s. */
  recent: number;
  /** The rate to plan for, requests/s. */
  forecast: number;
  /** The burst margin ({@link burstMargin}), requests/s. */
  burst: number;
  /** The intervals to keep in state. */
  intervals: RateInterval[];
}

/** ∫ of the piecewise-constant `intervals` over (from, to]; parts none covers count `fill`. */
function integrate(intervals: readonly RateInterval[], from: number, to: number, fill: number) {
  let total = 0, covered = 0;
  for (const iv of intervals) {
    const a = Math.max(from, iv.at - iv.span), b = Math.min(to, iv.at);
    if (b > a) {
      total += (b - a) * iv.rate;
      covered += b - a;
    }
  }
  return total + Math.max(0, to - from - covered) * fill;
}

/**
 * The burst margin: `burstDeviations` × the root mean square of the changes between consecutive
 * interval rates within the last `burstWindowSeconds` — how far the load typically moves in one
 * decision interval (Poisson noise alone moves it by ~√(2λ/interval): ~14 req/s at 1,500 req/s
 * and 15 s; a bursty trace by hundreds). A level shift counts once among the look-back's changes,
 * so a single step adds little (a 2,000 req/s step among 20 intervals: 447 req/s, for the
 * look-back); a train of bursts keeps the margin up. A look-back not yet filled counts its
 * missing intervals as unchanged.
 */
export function burstMargin(
  intervals: readonly RateInterval[],
  now: number,
  spec: Pick<CpaSpec, "burstWindowSeconds"> & { burstDeviations: number },
): number {
  const from = now - spec.burstWindowSeconds;
  let n = 0, squares = 0;
  for (let i = 1; i < intervals.length; i++) {
    if (intervals[i - 1].at <= from) continue;
    const d = intervals[i].rate - intervals[i - 1].rate;
    squares += d * d;
    n++;
  }
  const last = intervals.at(-1);
  if (n === 0 || last === undefined) return 0;
  // a look-back not yet filled counts its missing intervals as unchanged
  const slots = Math.max(n, Math.round(spec.burstWindowSeconds / last.span));
  return spec.burstDeviations * Math.sqrt(squares / slots);
}

/**
 * The recent arrival rate and the rate to plan for, from the windowed rate λ_w = `lambda`.
 *
 * A `rate()` over a window W is the mean of the arrival rate over (now − W, now], so it lags a
 * step by up to W. The intervals between decisions are recovered from it: the arrivals of the
 * newest interval (previous decision, now] are W·λ_w minus those of the older part of the window,
 * known from the intervals estimated before (an interval no estimate covers counts at the
 * previous windowed rate; the first decision takes the whole window as flat). Exact counters give
 * the exact interval rate (a 3× step is read in full one interval after it, not a window); real
 * metrics are noisy and the recursion would carry the noise on, so the estimate is blended with
 * λ_w by `recentBlend`, which damps it. The recent rate is ≥ 0 and at most the whole window's
 * arrivals within the interval.
 *
 * The forecast: the recent rate and, while the windowed rate rises, its slope (the mean slope
 * of the load over the window, exact on a ramp) × `forecastSeconds` (0 by default), at most
 * `maxForecastFactor` × the recent rate. A falling recent rate is taken as it is: the scale-down
 * stabilisation window holds the replicas. `burst` is {@link burstMargin} over the intervals
 * kept: those within the longer of the rate window and `burstWindowSeconds`.
 */
export function estimateLoad(
  spec:
    & Pick<
      CpaSpec,
      | "rateWindowSeconds"
      | "recentBlend"
      | "forecastSeconds"
      | "maxForecastFactor"
      | "burstWindowSeconds"
    >
    & { burstDeviations: number },
  prev: Pick<CpaState, "updatedAt" | "arrivalRate" | "intervals">,
  now: number,
  lambda: number,
): LoadEstimate {
  const w = spec.rateWindowSeconds;
  if (prev.updatedAt === null || prev.arrivalRate === null || !(now > prev.updatedAt)) {
    const intervals = [{ at: now, span: w, rate: lambda }];
    return { recent: lambda, forecast: lambda, burst: 0, intervals };
  }
  const span = now - prev.updatedAt;
  let recent = lambda;
  if (span < w) {
    const older = integrate(prev.intervals, now - w, prev.updatedAt, prev.arrivalRate);
    const raw = (w * lambda - older) / span;
    recent = (1 - spec.recentBlend) * raw + spec.recentBlend * lambda;
    recent = Math.min(Math.max(0, recent), (w * lambda) / span);
  }
  const keep = Math.max(w, spec.burstWindowSeconds);
  const intervals = prev.intervals.filter((iv) => iv.at > now - keep);
  intervals.push({ at: now, span, rate: recent });
  // the trend: the windowed rate's slope, (λ(now) − λ(now − W)) / W, the mean slope over the window
  const slope = (lambda - prev.arrivalRate) / span;
  const forecast = slope > 0
    ? Math.min(recent + slope * spec.forecastSeconds, recent * spec.maxForecastFactor)
    : recent;
  return { recent, forecast, burst: burstMargin(intervals, now, spec), intervals };
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

  const burstDeviations = spec.burstDeviationsPerHeadroom * spec.headroom;
  const load = estimateLoad({ ...spec, burstDeviations }, prev, now, lambda);
  const forecast = load.forecast;
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
    // spare capacity: the larger of the headroom's share and the burst margin (not both)
    const spare = Math.max(planRate / (1 - spec.headroom), planRate + load.burst);
    const margin = Math.ceil(spare / model.serviceRate - 1e-9);
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
      intervals: load.intervals,
      ready,
      readySince,
    },
    detail: {
      proposal,
      serviceRate: mu,
      slowdown,
      recentRate: load.recent,
      burstMargin: load.burst,
      forecast,
      planRate,
      predictedP95: predicted,
    },
  };
}
