/**
 * What a run records: request counters, per-second series, latency histograms (a fine one for
 * the report's percentiles and the Prometheus buckets the metrics pipeline scrapes).
 *
 * A request ends exactly once, as served (answered within the deadline; late when over the SLO),
 * failed (deadline passed: 504) or rejected (queue full: 429).
 *
 * @module
 */
import { LATENCY_BUCKETS } from "../metrics/mod.ts";
import { bucketIndex, LogHistogram } from "./histogram.ts";

/** Per-second columns (index = second of the run). */
export interface SecondSeries {
  /** Requests arriving. */
  offered: Int32Array;
  /** Requests answered within the deadline. */
  served: Int32Array;
  /** Of those, answered later than the SLO. */
  late: Int32Array;
  /** Requests whose deadline passed (504). */
  failed: Int32Array;
  /** Requests refused by a full queue (429). */
  rejected: Int32Array;
  /** Ready replicas at the end of the second. */
  ready: Int32Array;
  /** Pods at the end of the second (starting, ready or draining): what is paid for. */
  total: Int32Array;
  /** Replicas the controller asks for (the scale target) at the end of the second. */
  desired: Int32Array;
  /** Requests waiting in the dispatcher at the end of the second. */
  queue: Int32Array;
  /** p50 latency of the requests served in the second, seconds (NaN when none). */
  p50: Float32Array;
  /** p95, as p50. */
  p95: Float32Array;
  /** p99, as p50. */
  p99: Float32Array;
}

/** Run totals. */
export interface Totals {
  /** Requests that arrived. */
  arrivals: number;
  /** Answered within the deadline. */
  served: number;
  /** Served later than the SLO. */
  late: number;
  /** Deadline passed (504). */
  failed: number;
  /** Queue full (429). */
  rejected: number;
}

const QS = [0.5, 0.95, 0.99];

/** Allocates empty series for `seconds` seconds. */
export function emptySeries(seconds: number): SecondSeries {
  const i = () => new Int32Array(seconds);
  const f = () => new Float32Array(seconds).fill(NaN);
  return {
    offered: i(),
    served: i(),
    late: i(),
    failed: i(),
    rejected: i(),
    ready: i(),
    total: i(),
    desired: i(),
    queue: i(),
    p50: f(),
    p95: f(),
    p99: f(),
  };
}

/**
 * Counters, series and histograms of one run. `totals` cover the whole run; `window`,
 * `windowLatency` and `windowLatencySum` only what happens from second `measureFrom` on (an
 * arrival by its arrival second, an ending by its ending second), the part a report measures
 * after a warm-up.
 */
export class Recorder {
  /** Totals so far. */
  readonly totals: Totals = { arrivals: 0, served: 0, late: 0, failed: 0, rejected: 0 };
  /** Totals from the measured window. */
  readonly window: Totals = { arrivals: 0, served: 0, late: 0, failed: 0, rejected: 0 };
  /** Latencies of served requests in the measured window. */
  readonly windowLatency = new LogHistogram();
  /** Sum of served latencies in the measured window, seconds. */
  windowLatencySum = 0;
  /** Count per Prometheus bucket of `LATENCY_BUCKETS` (last entry: +Inf), served and failed. */
  readonly promCounts = new Float64Array(LATENCY_BUCKETS.length + 1);
  /** Per-second series, or null when not kept. */
  readonly series: SecondSeries | null;
  /** Sum over requests that reached a batch of their wait before it started, seconds. */
  waitSum = 0;
  /** Requests that reached a batch. */
  waitCount = 0;
  /** The second being recorded. */
  second = 0;

  readonly #slo: number;
  readonly #timeout: number;
  readonly #bucketOfTimeout: number;
  readonly #perSecond = new LogHistogram();
  readonly #q: number[] = [NaN, NaN, NaN];
  readonly #from: number;
  #on: boolean;

  /** A recorder for a run of `seconds` seconds with the given SLO and deadline. */
  constructor(
    seconds: number,
    options: { slo: number; timeout: number; keepSeries: boolean; measureFrom?: number },
  ) {
    this.series = options.keepSeries ? emptySeries(seconds) : null;
    this.#from = options.measureFrom ?? 0;
    this.#on = this.#from <= 0;
    this.#slo = options.slo;
    this.#timeout = options.timeout;
    this.#bucketOfTimeout = bucketIndex(LATENCY_BUCKETS, options.timeout);
  }

  /** A request arrived. */
  arrival(): void {
    this.totals.arrivals++;
    if (this.#on) this.window.arrivals++;
    if (this.series) this.series.offered[this.second]++;
  }

  /** A request was refused (queue full). */
  rejected(): void {
    this.totals.rejected++;
    if (this.#on) this.window.rejected++;
    if (this.series) this.series.rejected[this.second]++;
  }

  /** A request's deadline passed (observed in the dispatcher histogram at the deadline). */
  failed(): void {
    this.totals.failed++;
    if (this.#on) this.window.failed++;
    this.promCounts[this.#bucketOfTimeout]++;
    if (this.series) this.series.failed[this.second]++;
  }

  /** A request that waited `seconds` reached a batch. */
  waited(seconds: number): void {
    this.waitSum += seconds;
    this.waitCount++;
  }

  /** A request was answered after `latency` seconds; past the deadline it counts as failed. */
  answered(latency: number): void {
    if (latency > this.#timeout) {
      this.failed();
      return;
    }
    const t = this.totals;
    t.served++;
    this.#perSecond.add(latency);
    this.promCounts[bucketIndex(LATENCY_BUCKETS, latency)]++;
    const late = latency > this.#slo;
    if (late) t.late++;
    if (this.#on) {
      const w = this.window;
      w.served++;
      if (late) w.late++;
      this.windowLatencySum += latency;
      this.windowLatency.add(latency);
    }
    const s = this.series;
    if (s) {
      s.served[this.second]++;
      if (late) s.late[this.second]++;
    }
  }

  /** Closes the current second with its gauges and moves to the next. */
  endSecond(gauges: { ready: number; total: number; desired: number; queue: number }): void {
    const s = this.series, k = this.second;
    if (s && k < s.offered.length) {
      s.ready[k] = gauges.ready;
      s.total[k] = gauges.total;
      s.desired[k] = gauges.desired;
      s.queue[k] = gauges.queue;
      if (this.#perSecond.total > 0) {
        const q = this.#perSecond.quantiles(QS, this.#q);
        s.p50[k] = q[0];
        s.p95[k] = q[1];
        s.p99[k] = q[2];
      }
    }
    this.#perSecond.clear();
    this.second++;
    this.#on = this.second >= this.#from;
  }
}
