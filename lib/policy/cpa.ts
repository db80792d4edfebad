/**
 * `cpa`: the project's latency-SLO policy — the fewest replicas whose predicted p95 stays under
 * the SLO with headroom, sized for the load one reaction time ahead. One tick in five steps
 * (the reasoning behind each: lib/policy/README.md): 1. capacity (μ, learned while saturated),
 * 2. correction (a slowdown that makes the model reproduce an observed p95), 3. load (the
 * interval rate and burst margin, cpa_load.ts), 4. sizing (M/M/c, queueing_model.ts, with the
 * headroom or burst margin as spare capacity), 5. normalisation (behavior.ts, as for `hpa`).
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
import { estimateLoad, type LoadEstimate, type RateInterval } from "./cpa_load.ts";
import {
  calibrateSlowdown,
  fewestServers,
  type QueueModel,
  sojournQuantile,
} from "./queueing_model.ts";
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
   * look-back as spare capacity (see `burstMargin` in cpa_load.ts; 0: off). Default 10: 2 RMS changes at
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

/** What one tick reads from its observation and state (steps 1 and the settling). */
interface Tick {
  /** The decision time, seconds. */
  now: number;
  /** Replicas the target is set to now. */
  current: number;
  /** The windowed arrival rate (or, without it, the throughput), requests/s. */
  lambda: number;
  /** Ready replicas. */
  ready: number;
  /** Since when the ready count has been `ready`, seconds. */
  readySince: number;
  /** The ready count has been unchanged for `settleSeconds`. */
  settled: boolean;
  /** The per-replica service rate μ, requests/s (step 1). */
  mu: number;
  /** A request's time inside a replica, seconds. */
  serviceTime: number;
}

/** What step 4 sizes for: the rate to plan for, the capacity, the spare capacity and the bound. */
interface SizingInput {
  /** The forecast plus the rate that drains the backlog, requests/s. */
  planRate: number;
  /** The per-replica service rate μ, requests/s. */
  mu: number;
  /** A request's time inside a replica, seconds. */
  serviceTime: number;
  /** The burst margin, requests/s. */
  burst: number;
  /** The p95 to plan for: the SLO × (1 − headroom), seconds. */
  target: number;
  /** The headroom of the spec. */
  headroom: number;
  /** Largest count searched. */
  limit: number;
}

/** The result of step 4 at one slowdown. */
interface SizeResult {
  /** The queue model sized with (μ/k, s·k). */
  model: Omit<QueueModel, "servers">;
  /** The latency target is reachable. */
  feasible: boolean;
  /** The raw proposal. */
  servers: number;
}

/** The observation and state read for one tick, with step 1 (capacity: μ learned). */
function readTick(spec: CpaSpec, prev: CpaState, observation: Observation, lambda: number): Tick {
  const { now, currentReplicas: current } = observation;
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
  return { now, current, lambda, ready, readySince, settled, mu, serviceTime };
}

/** What step 4 sizes for, from the tick, the load estimate (step 3) and the backlog. */
function sizingInput(
  spec: CpaSpec,
  tick: Tick,
  load: LoadEstimate,
  queueLength: number,
): SizingInput {
  return {
    planRate: load.forecast + queueLength / spec.drainSeconds,
    mu: tick.mu,
    serviceTime: tick.serviceTime,
    burst: load.burst,
    target: spec.targetLatencySeconds * (1 - spec.headroom),
    headroom: spec.headroom,
    limit: Math.max(spec.maxReplicas, tick.current) + 1,
  };
}

/** Step 4, sizing, with replicas `k` times slower (μ/k, s·k). */
function sizeAt(p: SizingInput, k: number): SizeResult {
  const model = {
    arrivalRate: p.planRate,
    serviceRate: p.mu / k,
    serviceTime: p.serviceTime * k,
    quantile: SLO_QUANTILE,
  };
  const sizing = fewestServers(model, { target: p.target, limit: p.limit });
  // spare capacity: the larger of the headroom's share and the burst margin (not both)
  const spare = Math.max(p.planRate / (1 - p.headroom), p.planRate + p.burst);
  const margin = Math.ceil(spare / model.serviceRate - 1e-9);
  return {
    model,
    feasible: sizing.feasible,
    servers: Math.min(p.limit, Math.max(sizing.servers, margin)),
  };
}

/**
 * Step 2, correction: the kept slowdown relaxed by its half-life, raised to the one that makes
 * the model reproduce an observed p95 over the SLO at a settled count the model deems enough.
 */
function correctedSlowdown(
  spec: CpaSpec,
  prev: CpaState,
  tick: Tick,
  p95: number | undefined,
  input: SizingInput,
): number {
  const { now, lambda, ready } = tick;
  const elapsed = prev.updatedAt === null ? 0 : Math.max(0, now - prev.updatedAt);
  let slowdown = 1 + (prev.slowdown - 1) * 0.5 ** (elapsed / spec.correctionHalfLifeSeconds);
  if (
    p95 !== undefined && p95 > spec.targetLatencySeconds && lambda > 0 && ready > 0 &&
    tick.settled && sizeAt(input, slowdown).servers <= ready
  ) {
    const model = {
      servers: ready,
      arrivalRate: lambda,
      serviceRate: tick.mu,
      serviceTime: tick.serviceTime,
      quantile: SLO_QUANTILE,
    };
    const k = calibrateSlowdown(model, { observed: p95, maxFactor: spec.maxCorrection });
    if (k > slowdown) slowdown = k;
  }
  return slowdown;
}

/** Step 5, normalisation, and the decision with its next state and detail. */
function normalized(
  spec: CpaSpec,
  prev: CpaState,
  tick: Tick,
  step: { load: LoadEstimate; input: SizingInput; slowdown: number; sizing: SizeResult },
): Decision<CpaState> {
  const { now, current, mu } = tick;
  const { load, slowdown, sizing } = step;
  const proposal = sizing.servers;
  const reason = sizing.feasible ? directionReason(proposal, current) : "SLOUnreachable";
  const n = normalize(prev, proposal, {
    now,
    currentReplicas: current,
    minReplicas: spec.minReplicas,
    maxReplicas: spec.maxReplicas,
    behavior: spec.behavior,
  });
  const predicted = sojournQuantile({ ...sizing.model, servers: Math.max(1, n.desired) });
  return {
    desired: n.desired,
    reason: n.reason ?? reason,
    state: {
      ...n.state,
      serviceRate: mu,
      slowdown,
      updatedAt: now,
      arrivalRate: tick.lambda,
      intervals: load.intervals,
      ready: tick.ready,
      readySince: tick.readySince,
    },
    detail: {
      proposal,
      serviceRate: mu,
      slowdown,
      recentRate: load.recent,
      burstMargin: load.burst,
      forecast: load.forecast,
      planRate: step.input.planRate,
      predictedP95: predicted,
    },
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
  const tick = readTick(spec, prev, observation, lambda);
  const burstDeviations = spec.burstDeviationsPerHeadroom * spec.headroom;
  const load = estimateLoad({ ...spec, burstDeviations }, prev, now, lambda);
  const input = sizingInput(spec, tick, load, observation.queueLength ?? 0);
  const slowdown = correctedSlowdown(spec, prev, tick, observation.p95LatencySeconds, input);
  const sizing = sizeAt(input, slowdown);
  return normalized(spec, prev, tick, { load, input, slowdown, sizing });
}
