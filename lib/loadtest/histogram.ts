/**
 * Latency histograms for the load tester: HdrHistogram (hdr-histogram-js) over microseconds,
 * 3 significant digits, 1 µs to 1 hour, read back in milliseconds.
 *
 * @module
 */
import * as hdr from "hdr-histogram-js";

/** Percentiles reported everywhere (vegeta/k6 style). */
export interface LatencyStats {
  /** Samples recorded. */
  count: number;
  /** Smallest sample (ms). */
  min: number;
  /** Mean (ms). */
  mean: number;
  /** 50th percentile (ms). */
  p50: number;
  /** 90th percentile (ms). */
  p90: number;
  /** 95th percentile (ms). */
  p95: number;
  /** 99th percentile (ms). */
  p99: number;
  /** 99.9th percentile (ms). */
  p999: number;
  /** Largest sample (ms). */
  max: number;
}

/** A histogram of millisecond values. */
export interface LatencyHistogram {
  /** Records one value in ms (negative values count as 0; values over 1 h as 1 h). */
  record(ms: number): void;
  /** The value (ms) at percentile `p` in [0, 100]; 0 when empty. */
  percentile(p: number): number;
  /** Samples recorded. */
  count(): number;
  /** Count, min, mean, the standard percentiles and max, in ms (all 0 when empty). */
  stats(): LatencyStats;
  /** Forgets every sample. */
  reset(): void;
}

const MAX_US = 3_600_000_000;

/** Creates an empty histogram. */
export function createLatencyHistogram(): LatencyHistogram {
  const h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: MAX_US,
    numberOfSignificantValueDigits: 3,
  });
  const ms = (us: number) => us / 1000;
  const percentile = (p: number) => (h.totalCount === 0 ? 0 : ms(h.getValueAtPercentile(p)));
  return {
    record(value) {
      const us = Math.round(value * 1000);
      h.recordValue(us < 0 ? 0 : us > MAX_US ? MAX_US : us);
    },
    percentile,
    count: () => h.totalCount,
    stats() {
      const count = h.totalCount;
      if (count === 0) {
        return { count, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
      }
      return {
        count,
        min: percentile(0),
        mean: ms(h.mean),
        p50: percentile(50),
        p90: percentile(90),
        p95: percentile(95),
        p99: percentile(99),
        p999: percentile(99.9),
        max: ms(h.maxValue),
      };
    },
    reset: () => h.reset(),
  };
}

/** Exact percentile (nearest rank) of an unsorted sample, for small per-second sets; 0 if empty. */
export function exactPercentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}
