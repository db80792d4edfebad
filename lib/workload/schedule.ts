/**
 * Workloads as request rates per second, and the seeded arrival schedule they produce. A workload
 * is barazmoon's contract: one number per second, the requests to send in that second. Everything
 * here is pure, so the live load tester (`loadtest.ts`) and the discrete-event simulator
 * (`lib/sim`) build the same arrivals from the same workload and seed. The pipeline:
 * {@link RateSeries} → {@link scaleSeries} → {@link resampleToSeconds} → {@link cutSeconds} →
 * {@link countsFromRates} → {@link buildSchedule} (each step: lib/workload/README.md).
 *
 * @module
 */
import type { Rng } from "../shared/mod.ts";

/** A piecewise-constant request rate: `rates[i]` requests/s over `[i·step, (i+1)·step)` seconds. */
export interface RateSeries {
  /** Length of each step in seconds (> 0). */
  stepSeconds: number;
  /** Request rate in requests per second during each step (finite, ≥ 0). */
  rates: number[];
}

/** How arrivals are placed inside a second. */
export type ArrivalMode = "poisson" | "uniform";

/** The arrival modes, for validation and help text. */
export const ARRIVAL_MODES: readonly ArrivalMode[] = ["poisson", "uniform"];

/**
 * Parses barazmoon's inline workload, requests per second separated by commas or whitespace:
 * `"5,5,10"` → `[5, 5, 10]`. Zero is allowed; negative, non-finite or empty entries throw.
 */
export function parseRateList(text: string): number[] {
  const parts = text.split(/[\s,]+/).filter((p) => p !== "");
  if (parts.length === 0) {
    throw new RangeError(`workload must list at least one rate: got "${text}"`);
  }
  return parts.map((part, i) => {
    const value = Number(part);
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`workload entry ${i + 1} must be a rate ≥ 0: got "${part}"`);
    }
    return value;
  });
}

/** Checks a series: positive finite step, rates finite and ≥ 0. Returns it unchanged. */
export function validateSeries(series: RateSeries): RateSeries {
  if (!(series.stepSeconds > 0) || !Number.isFinite(series.stepSeconds)) {
    throw new RangeError(`stepSeconds must be a finite number > 0: got ${series.stepSeconds}`);
  }
  series.rates.forEach((r, i) => {
    if (!Number.isFinite(r) || r < 0) throw new RangeError(`rate ${i} must be ≥ 0: got ${r}`);
  });
  return series;
}

/**
 * Fits a series to a cluster (the papers' "damping factor"): every rate is multiplied by
 * `rateScale`, and the time axis by `timeScale` (0.5 replays the same rate curve twice as fast, so
 * the run is half as long and carries half the requests; rates are unchanged by `timeScale`).
 */
export function scaleSeries(
  series: RateSeries,
  scale: { rateScale?: number; timeScale?: number },
): RateSeries {
  const rateScale = scale.rateScale ?? 1;
  const timeScale = scale.timeScale ?? 1;
  if (!(rateScale >= 0) || !Number.isFinite(rateScale)) {
    throw new RangeError(`rate scale must be a finite number ≥ 0: got ${rateScale}`);
  }
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) {
    throw new RangeError(`time scale must be a finite number > 0: got ${timeScale}`);
  }
  return validateSeries({
    stepSeconds: series.stepSeconds * timeScale,
    rates: series.rates.map((r) => r * rateScale),
  });
}

/**
 * Integrates a piecewise-constant rate over consecutive 1-second bins: the result's entry `k` is
 * the expected number of requests in `[k, k+1)`. A series whose length is not a whole number of
 * seconds ends with a partial bin (its expected count covers only the part that exists).
 */
export function resampleToSeconds(series: RateSeries): number[] {
  validateSeries(series);
  const { stepSeconds: step, rates } = series;
  const total = step * rates.length;
  const bins = Math.max(0, Math.ceil(total - 1e-9));
  const out = new Array<number>(bins).fill(0);
  if (step === 1) return rates.slice(0, bins);
  for (let i = 0; i < rates.length; i++) {
    const start = i * step, end = (i + 1) * step;
    if (rates[i] === 0) continue;
    for (let k = Math.floor(start); k < end && k < bins; k++) {
      const overlap = Math.min(end, k + 1) - Math.max(start, k);
      if (overlap > 0) out[k] += rates[i] * overlap;
    }
  }
  return out;
}

/** Keeps the first `durationSeconds` seconds (all of them when `durationSeconds` is undefined). */
export function cutSeconds(rates: number[], durationSeconds?: number): number[] {
  if (durationSeconds === undefined) return rates;
  if (!Number.isInteger(durationSeconds) || durationSeconds < 1) {
    throw new RangeError(`duration must be a whole number of seconds ≥ 1: got ${durationSeconds}`);
  }
  return rates.slice(0, durationSeconds);
}

/**
 * Turns expected requests per second into whole requests per second without losing requests to
 * rounding: the running total is rounded (half up) and each second gets the increase, so
 * `counts[k] = round(Σ₀..ₖ rates) − round(Σ₀..ₖ₋₁ rates)`. Every second is within 1 of its rate,
 * integer rates pass through unchanged, and the total is the rounded total (0.5/s gives 1,0,1,0…).
 */
export function countsFromRates(rates: readonly number[]): number[] {
  let sum = 0, emitted = 0;
  return rates.map((r, i) => {
    if (!Number.isFinite(r) || r < 0) throw new RangeError(`rate ${i} must be ≥ 0: got ${r}`);
    sum += r;
    const target = Math.floor(sum + 0.5 + 1e-9);
    const count = target - emitted;
    emitted = target;
    return count;
  });
}

/**
 * Arrival offsets inside one second, sorted, in [0, 1).
 *
 * - `poisson`: draws `count + 1` exponential gaps, takes cumulative sums `S₁…S₍ₙ₊₁₎` and returns
 *   `Sₖ / S₍ₙ₊₁₎` for k = 1…n. Dividing by the (n+1)-th sum rescales the arrivals into the second
 *   (none spills past it, none is truncated), and the result is exactly the law of a Poisson
 *   process conditioned on n arrivals in the second: the order statistics of n uniforms. Gaps are
 *   exponential in the limit (Beta(1, n) spacings). Uses `count + 1` draws of `rng`.
 * - `uniform`: evenly spaced `k / count`, k = 0…n−1 (barazmoon's "equal"). Uses no draws.
 *
 * A count of 0 gives no arrivals.
 */
export function arrivalsInSecond(count: number, mode: ArrivalMode, rng: Rng): number[] {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`arrival count must be a whole number ≥ 0: got ${count}`);
  }
  if (count === 0) return [];
  if (mode === "uniform") return Array.from({ length: count }, (_, k) => k / count);
  if (mode !== "poisson") throw new RangeError(`arrival mode must be poisson|uniform: got ${mode}`);
  const sums = new Array<number>(count + 1);
  let s = 0;
  for (let k = 0; k <= count; k++) {
    s += -Math.log(1 - rng.uniform()); // 1 − U ∈ (0, 1]: finite
    sums[k] = s;
  }
  const out = new Array<number>(count);
  for (let k = 0; k < count; k++) out[k] = Math.min(sums[k] / s, 1 - Number.EPSILON);
  return out;
}

/**
 * The arrival schedule of a workload: times in seconds from the start, sorted, with exactly
 * `counts[k]` arrivals in `[k, k+1)`. The same counts, mode and seeded `rng` give the same
 * schedule.
 */
export function buildSchedule(
  counts: readonly number[],
  options: { mode: ArrivalMode; rng: Rng },
): Float64Array {
  const total = counts.reduce((a, c) => a + c, 0);
  const out = new Float64Array(total);
  let n = 0;
  counts.forEach((count, second) => {
    for (const offset of arrivalsInSecond(count, options.mode, options.rng)) {
      out[n++] = second + offset;
    }
  });
  return out;
}

/** Options of {@link planWorkload}. */
export interface PlanOptions {
  /** Multiplies every rate (default 1). */
  rateScale?: number;
  /** Multiplies the time axis (default 1). */
  timeScale?: number;
  /** Keeps only the first seconds. */
  durationSeconds?: number;
}

/**
 * The whole-requests-per-second plan of a series: scale, resample to seconds, cut, round with
 * carry. Throws when the result has no seconds.
 */
export function planWorkload(series: RateSeries, options: PlanOptions = {}): number[] {
  const perSecond = resampleToSeconds(scaleSeries(series, options));
  const counts = countsFromRates(cutSeconds(perSecond, options.durationSeconds));
  if (counts.length === 0) throw new RangeError("workload has no seconds after scaling");
  return counts;
}
