/**
 * Collects the outcomes of a load test: totals, status codes, error kinds, HdrHistograms of the
 * corrected latency (done − scheduled, as wrk2), the uncorrected latency (done − sent) and the
 * schedule lag (dispatched − scheduled), per-second rows, and a recent window for live progress.
 *
 * A request is **ok** when it got a 2xx response. Latency statistics cover every request that
 * completed (any status or transport error), not dropped ones (vegeta's convention).
 *
 * @module
 */
import { createLatencyHistogram, exactPercentile } from "./histogram.ts";
import type { LatencyHistogram } from "./histogram.ts";
import type { RequestRecord } from "./runner.ts";

/** One second of the run, by scheduled second (`sent` by the second the request went out). */
export interface SecondRow {
  /** Second from the start. */
  second: number;
  /** Requests scheduled in this second. */
  offered: number;
  /** Requests that went on the wire during this second. */
  sent: number;
  /** Scheduled in this second and dropped. */
  dropped: number;
  /** Scheduled in this second and answered 2xx. */
  ok: number;
  /** Scheduled in this second and failed (non-2xx or transport error). */
  errors: number;
  /** Corrected latency percentiles (ms) of this second's completed requests (0 when none). */
  p50: number;
  /** 95th percentile (ms). */
  p95: number;
  /** 99th percentile (ms). */
  p99: number;
}

/** Counters shown while the run goes on. */
export interface LiveSnapshot {
  /** Requests whose time has come. */
  offered: number;
  /** Requests sent. */
  sent: number;
  /** 2xx responses. */
  ok: number;
  /** Failed requests (non-2xx or transport). */
  errors: number;
  /** Dropped at the max-inflight limit. */
  dropped: number;
  /** Dispatched and not yet completed or dropped. */
  outstanding: number;
  /** Corrected p95 (ms) of requests completed since the previous snapshot. */
  recentP95: number;
}

/** Everything the summary needs. */
export interface RecorderTotals {
  /** Dispatched requests. */
  offered: number;
  /** Requests that went on the wire. */
  sent: number;
  /** Dropped at the max-inflight limit. */
  dropped: number;
  /** Requests that completed (response or transport error). */
  completed: number;
  /** 2xx responses. */
  ok: number;
  /** completed − ok. */
  errors: number;
  /** Responses by status code (0 = no response). */
  codes: Record<string, number>;
  /** Failures by kind: `http_<status>` or a transport error kind. */
  errorKinds: Record<string, number>;
  /** Ok requests slower than the SLO (0 without an SLO). */
  late: number;
  /** Last send time (ms from start), 0 if none. */
  lastSentMs: number;
  /** Last completion time (ms from start), 0 if none. */
  lastDoneMs: number;
  /** Corrected latency (done − scheduled). */
  corrected: LatencyHistogram;
  /** Uncorrected latency (done − sent). */
  uncorrected: LatencyHistogram;
  /** Schedule lag (dispatched − scheduled) of every dispatched request. */
  lag: LatencyHistogram;
}

/** The recorder's interface. */
export interface Recorder {
  /** Notes that a request's time came (feeds the lag histogram and the offered count). */
  dispatch(index: number, scheduledMs: number, dispatchedMs: number): void;
  /** Notes a request's outcome. */
  record(record: RequestRecord): void;
  /** Live counters; resets the recent window. */
  live(): LiveSnapshot;
  /** The totals so far. */
  totals(): RecorderTotals;
  /** One row per second up to the last second with any activity. */
  seconds(): SecondRow[];
}

/** Whether a record is a success: a 2xx response. */
export function isOk(record: { status: number; error?: string }): boolean {
  return record.error === undefined && record.status >= 200 && record.status < 300;
}

interface SecondAcc {
  offered: number;
  sent: number;
  dropped: number;
  ok: number;
  errors: number;
  latencies: number[];
}

/** The counters of a recorder. */
interface Counters {
  offered: number;
  sent: number;
  dropped: number;
  completed: number;
  ok: number;
  late: number;
  lastSentMs: number;
  lastDoneMs: number;
}

/** Everything a recorder accumulates. */
interface RecorderState {
  sloMs?: number;
  t: Counters;
  corrected: LatencyHistogram;
  uncorrected: LatencyHistogram;
  lag: LatencyHistogram;
  /** Corrected latencies since the last live snapshot. */
  recent: LatencyHistogram;
  perSecond: SecondAcc[];
  codes: Record<string, number>;
  errorKinds: Record<string, number>;
}

function emptyState(sloMs?: number): RecorderState {
  return {
    sloMs,
    t: {
      offered: 0,
      sent: 0,
      dropped: 0,
      completed: 0,
      ok: 0,
      late: 0,
      lastSentMs: 0,
      lastDoneMs: 0,
    },
    corrected: createLatencyHistogram(),
    uncorrected: createLatencyHistogram(),
    lag: createLatencyHistogram(),
    recent: createLatencyHistogram(),
    perSecond: [],
    codes: {},
    errorKinds: {},
  };
}

/** The accumulator of the second that `ms` falls in (created up to it). */
function secondAt(perSecond: SecondAcc[], ms: number): SecondAcc {
  const s = Math.max(0, Math.floor(ms / 1000));
  while (perSecond.length <= s) {
    perSecond.push({ offered: 0, sent: 0, dropped: 0, ok: 0, errors: 0, latencies: [] });
  }
  return perSecond[s];
}

function count(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

/** Adds one request's outcome to `state`. */
function recordOutcome(state: RecorderState, r: RequestRecord): void {
  const { t, perSecond } = state;
  const second = secondAt(perSecond, r.scheduled);
  if (r.error === "dropped") {
    t.dropped++;
    second.dropped++;
    return;
  }
  if (r.sent !== undefined) {
    t.sent++;
    secondAt(perSecond, r.sent).sent++;
    t.lastSentMs = Math.max(t.lastSentMs, r.sent);
  }
  const done = r.done ?? r.dispatched;
  t.completed++;
  t.lastDoneMs = Math.max(t.lastDoneMs, done);
  count(state.codes, String(r.status));
  const latency = done - r.scheduled;
  state.corrected.record(latency);
  state.recent.record(latency);
  state.uncorrected.record(done - (r.sent ?? r.dispatched));
  second.latencies.push(latency);
  if (isOk(r)) {
    t.ok++;
    second.ok++;
    if (state.sloMs !== undefined && latency > state.sloMs) t.late++;
  } else {
    second.errors++;
    count(state.errorKinds, r.error ?? `http_${r.status}`);
  }
}

/** The live counters; resets the recent window. */
function liveSnapshot(state: RecorderState): LiveSnapshot {
  const { t, recent } = state;
  const snapshot = {
    offered: t.offered,
    sent: t.sent,
    ok: t.ok,
    errors: t.completed - t.ok,
    dropped: t.dropped,
    outstanding: t.offered - t.completed - t.dropped,
    recentP95: recent.percentile(95),
  };
  recent.reset();
  return snapshot;
}

function secondRow(s: SecondAcc, second: number): SecondRow {
  return {
    second,
    offered: s.offered,
    sent: s.sent,
    dropped: s.dropped,
    ok: s.ok,
    errors: s.errors,
    p50: exactPercentile(s.latencies, 50),
    p95: exactPercentile(s.latencies, 95),
    p99: exactPercentile(s.latencies, 99),
  };
}

/** Creates a recorder; `sloMs` (optional) counts ok requests slower than it. */
export function createRecorder(options: { sloMs?: number } = {}): Recorder {
  const state = emptyState(options.sloMs);
  return {
    dispatch(_index, scheduledMs, dispatchedMs) {
      state.t.offered++;
      secondAt(state.perSecond, scheduledMs).offered++;
      state.lag.record(dispatchedMs - scheduledMs);
    },
    record: (r) => recordOutcome(state, r),
    live: () => liveSnapshot(state),
    totals: () => ({
      ...state.t,
      errors: state.t.completed - state.t.ok,
      codes: { ...state.codes },
      errorKinds: { ...state.errorKinds },
      corrected: state.corrected,
      uncorrected: state.uncorrected,
      lag: state.lag,
    }),
    seconds: () => state.perSecond.map(secondRow),
  };
}
