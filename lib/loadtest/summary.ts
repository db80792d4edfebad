/**
 * The run summary (`summary.json` and the final text report): totals, rates, success ratio,
 * status codes, error set, latency percentiles, schedule lag and SLO violations.
 *
 * @module
 */
import type { LatencyStats } from "./histogram.ts";
import type { RecorderTotals } from "./recorder.ts";

/** Facts about the run that the recorder does not know. */
export interface RunFacts {
  /** Target URL. */
  endpoint: string;
  /** Length of the workload in seconds. */
  scheduleSeconds: number;
  /** Wall time from the start to the last completion (s). */
  wallSeconds: number;
  /** The SLO in ms, if any. */
  sloMs?: number;
  /** Whether the run was interrupted. */
  aborted: boolean;
  /** Anything else worth keeping with the results (seed, arrivals, limits, ...). */
  config: Record<string, unknown>;
}

/** The summary object written to `summary.json`. */
export interface Summary {
  /** Target URL. */
  endpoint: string;
  /** Whether the run was interrupted. */
  aborted: boolean;
  /** The run's settings. */
  config: Record<string, unknown>;
  /** Seconds: workload length and wall time to the last completion. */
  duration: { schedule_s: number; wall_s: number };
  /** Request counts. */
  requests: {
    offered: number;
    sent: number;
    dropped: number;
    completed: number;
    ok: number;
    errors: number;
  };
  /** Requests per second: offered over the schedule, sent over the sending span, ok over wall. */
  rates: { offered: number; sent: number; throughput: number };
  /** ok / offered (1 when nothing was offered). */
  success_ratio: number;
  /** (offered − ok) / offered: every offered request without a 2xx, drops included. */
  error_ratio: number;
  /** dropped / offered. */
  dropped_ratio: number;
  /** Completed requests by status code (0 = no response). */
  codes: Record<string, number>;
  /** Failures by kind (`http_503`, `timeout`, ...); drops are under `requests.dropped`. */
  errors: Record<string, number>;
  /** Latency in ms: corrected (from the scheduled time) and uncorrected (from the actual send). */
  latency_ms: { corrected: LatencyStats; uncorrected: LatencyStats };
  /** Schedule lag in ms (dispatch − schedule). */
  schedule_lag_ms: LatencyStats;
  /** SLO violations: `late` ok-but-slow, `violations` = late + errors + drops, over offered. */
  slo: { ms: number; late: number; violations: number; violation_ratio: number } | null;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

function rounded(s: LatencyStats): LatencyStats {
  return Object.fromEntries(
    Object.entries(s).map(([k, v]) => [k, k === "count" ? v : r3(v)]),
  ) as unknown as LatencyStats;
}

/** Builds the summary from the recorder's totals and the run's facts. */
export function buildSummary(totals: RecorderTotals, facts: RunFacts): Summary {
  const { offered, sent, dropped, completed, ok, errors } = totals;
  const ratio = (n: number) => (offered === 0 ? 0 : n / offered);
  const sendSpan = Math.max(facts.scheduleSeconds, totals.lastSentMs / 1000);
  const notOk = offered - ok;
  return {
    endpoint: facts.endpoint,
    aborted: facts.aborted,
    config: facts.config,
    duration: { schedule_s: r3(facts.scheduleSeconds), wall_s: r3(facts.wallSeconds) },
    requests: { offered, sent, dropped, completed, ok, errors },
    rates: {
      offered: r3(facts.scheduleSeconds > 0 ? offered / facts.scheduleSeconds : 0),
      sent: r3(sendSpan > 0 ? sent / sendSpan : 0),
      throughput: r3(facts.wallSeconds > 0 ? ok / facts.wallSeconds : 0),
    },
    success_ratio: offered === 0 ? 1 : r3(ratio(ok) * 1000) / 1000,
    error_ratio: r3(ratio(notOk) * 1000) / 1000,
    dropped_ratio: r3(ratio(dropped) * 1000) / 1000,
    codes: totals.codes,
    errors: totals.errorKinds,
    latency_ms: {
      corrected: rounded(totals.corrected.stats()),
      uncorrected: rounded(totals.uncorrected.stats()),
    },
    schedule_lag_ms: rounded(totals.lag.stats()),
    slo: facts.sloMs === undefined ? null : {
      ms: facts.sloMs,
      late: totals.late,
      violations: totals.late + notOk,
      violation_ratio: r3(ratio(totals.late + notOk) * 1000) / 1000,
    },
  };
}
