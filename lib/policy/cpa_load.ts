/**
 * `cpa`'s load estimate (step 3 of its model, lib/policy/README.md): the arrival rate of each
 * decision interval read out of the windowed `rate()`, the rate to plan for, and the burst margin.
 *
 * @module
 */

/** The arrival rate over one interval `(at − span, at]`, requests/s. */
export interface RateInterval {
  /** End of the interval, seconds. */
  at: number;
  /** Length of the interval, seconds (> 0). */
  span: number;
  /** Mean arrival rate over it, requests/s. */
  rate: number;
}

/** The fields of `cpa`'s spec the load estimate reads (see `CpaSpec` in cpa.ts). */
export interface LoadSpec {
  /** Window of the arrival-rate metric (`rate()` over it), seconds. */
  rateWindowSeconds: number;
  /** Weight of the windowed rate in the recent rate, in [0, 1]: the deconvolution's damping. */
  recentBlend: number;
  /** Extrapolate a rising windowed rate's slope this far ahead, seconds (0: off). */
  forecastSeconds: number;
  /** Largest forecast as a multiple of the recent arrival rate (≥ 1). */
  maxForecastFactor: number;
  /** Look-back of the burst statistics, seconds. */
  burstWindowSeconds: number;
  /** The burst margin in RMS changes of the interval rates (cpa: per headroom × headroom). */
  burstDeviations: number;
}

/** What the load estimate keeps between decisions (fields of `CpaState` in cpa.ts). */
export interface LoadHistory {
  /** When the previous decision was made, seconds; `null` before the first. */
  updatedAt: number | null;
  /** The windowed arrival rate at `updatedAt`; `null` before the first decision. */
  arrivalRate: number | null;
  /** The interval rates kept, oldest first. */
  intervals: RateInterval[];
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
  spec: Pick<LoadSpec, "burstWindowSeconds" | "burstDeviations">,
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
  spec: LoadSpec,
  prev: LoadHistory,
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
