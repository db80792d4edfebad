/**
 * Latency histograms of the simulator: {@link histogramQuantile} (Prometheus's
 * `histogram_quantile`, same interpolation and edge cases), {@link bucketIndex} (an observation's
 * Prometheus bucket) and {@link LogHistogram} (2% wide log-spaced bins for the simulator's own
 * percentiles without keeping every latency).
 *
 * @module
 */

/**
 * `histogram_quantile(q, …)` as Prometheus computes it (promql/quantile.go `BucketQuantile`):
 * `bounds[i]` is the upper bound `le` of bucket i (ascending, finite; the +Inf bucket is implied
 * as the last entry of `cumulative`, which has `bounds.length + 1` cumulative counts). The rank
 * `q × total` is found in the first bucket whose cumulative count reaches it and interpolated
 * linearly between the bucket's lower bound (0 for the first bucket) and its upper bound. A rank
 * in the +Inf bucket returns the highest finite bound. No observations → NaN; q < 0 → −Infinity;
 * q > 1 → +Infinity.
 */
export function histogramQuantile(
  q: number,
  bounds: ArrayLike<number>,
  cumulative: ArrayLike<number>,
): number {
  if (cumulative.length !== bounds.length + 1) {
    throw new RangeError(
      `cumulative counts need one entry per bound plus +Inf: got ${cumulative.length} for ${bounds.length} bounds`,
    );
  }
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const total = cumulative[cumulative.length - 1];
  if (!(total > 0) || bounds.length === 0) return NaN;
  const rank = q * total;
  let b = 0;
  while (b < cumulative.length - 1 && cumulative[b] < rank) b++;
  if (b === bounds.length) return bounds[bounds.length - 1];
  if (b === 0 && bounds[0] <= 0) return bounds[0];
  const start = b === 0 ? 0 : bounds[b - 1];
  const below = b === 0 ? 0 : cumulative[b - 1];
  const count = cumulative[b] - below;
  return start + (bounds[b] - start) * ((rank - below) / count);
}

/** Index of the bucket (`le`) holding `value`: the first bound ≥ value, or `bounds.length`. */
export function bucketIndex(bounds: ArrayLike<number>, value: number): number {
  let lo = 0, hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (bounds[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const MIN_SECONDS = 1e-4;
const GROWTH = 1.02;
const BINS = Math.ceil(Math.log(1e3 / MIN_SECONDS) / Math.log(GROWTH)) + 1;
const INV_LOG = 1 / Math.log(GROWTH);
const LOG_MIN = Math.log(MIN_SECONDS);

/**
 * Counts of latencies in log-spaced bins 2% wide from 0.1 ms to 1000 s (values outside go to the
 * end bins). Quantiles are the geometric middle of the bin holding the rank (≤ 1% off).
 */
export class LogHistogram {
  /** Count per bin. */
  readonly counts = new Float64Array(BINS);
  /** Observations added. */
  total = 0;

  /** Adds one observation of `seconds`. */
  add(seconds: number): void {
    let i = seconds > MIN_SECONDS ? ((Math.log(seconds) - LOG_MIN) * INV_LOG) | 0 : 0;
    if (i >= BINS) i = BINS - 1;
    this.counts[i]++;
    this.total++;
  }

  /** Adds every count of `other`. */
  merge(other: LogHistogram): void {
    for (let i = 0; i < BINS; i++) this.counts[i] += other.counts[i];
    this.total += other.total;
  }

  /** Forgets every observation. */
  clear(): void {
    if (this.total === 0) return;
    this.counts.fill(0);
    this.total = 0;
  }

  /**
   * The quantiles `qs` (ascending fractions) in one pass, written to `out`; NaN when empty. The
   * rank of q is the ⌈q·n⌉-th smallest observation.
   */
  quantiles(qs: readonly number[], out: number[]): number[] {
    if (this.total === 0) {
      for (let j = 0; j < qs.length; j++) out[j] = NaN;
      return out;
    }
    let j = 0, cum = 0;
    for (let i = 0; i < BINS && j < qs.length; i++) {
      cum += this.counts[i];
      while (j < qs.length && cum >= Math.max(1, Math.ceil(qs[j] * this.total - 1e-9))) {
        out[j++] = MIN_SECONDS * GROWTH ** (i + 0.5);
      }
    }
    return out;
  }

  /** One quantile (a fraction); NaN when empty. */
  quantile(q: number): number {
    return this.quantiles([q], [])[0];
  }
}
