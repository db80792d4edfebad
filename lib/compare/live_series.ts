/**
 * From what a live run recorded to the report's figures, computed the way the simulator's are
 * (lib/sim/summary.ts): the load tester's `requests.csv` (one line per request, counted in the
 * second it was scheduled as served, rejected or failed; see lib/compare/README.md) and one
 * replica sample per second. Pure functions: the caller reads the files.
 *
 * @module
 */
import type { ReportSeries } from "../report/mod.ts";
import { oscillations, recoveryTimes, type RunSummary, violationPercent } from "../sim/mod.ts";

/** One request of `requests.csv`. */
export interface LiveRequest {
  /** Scheduled time, ms from the start of the run. */
  scheduledMs: number;
  /** HTTP status (0 when none: dropped or a connection error). */
  status: number;
  /** Corrected latency (from the scheduled time), ms; null when never answered. */
  latencyMs: number | null;
  /** True when the load tester never sent it (too many in flight). */
  dropped: boolean;
}

/** One replica sample, taken once per second of the run. */
export interface ReplicaSample {
  /** Second of the run. */
  second: number;
  /** Replica processes alive (starting, ready or draining): what is paid for. */
  pods: number;
  /** The autoscaler's target. */
  desired: number;
  /** Replicas the dispatcher routes to. */
  ready: number;
}

/** Parses the load tester's `requests.csv`; throws naming the line that is malformed. */
export function parseRequestsCsv(text: string): LiveRequest[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length === 0) throw new RangeError("requests.csv is empty: no header");
  const header = lines[0].split(",");
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new RangeError(`requests.csv has no column ${name}: got ${lines[0]}`);
    return i;
  };
  const [iScheduled, iSent, iStatus, iLatency] = [
    col("scheduled_ms"),
    col("sent_ms"),
    col("status"),
    col("latency_ms"),
  ];
  return lines.slice(1).map((line, k) => {
    const f = line.split(",");
    const scheduledMs = Number(f[iScheduled]);
    if (!Number.isFinite(scheduledMs)) {
      throw new RangeError(`requests.csv line ${k + 2}: bad scheduled_ms: got ${line}`);
    }
    const latency = f[iLatency] === "" ? null : Number(f[iLatency]);
    return {
      scheduledMs,
      status: Number(f[iStatus]) || 0,
      latencyMs: latency !== null && Number.isFinite(latency) ? latency : null,
      dropped: f[iSent] === "",
    };
  });
}

/** Per-second columns of a live run (index = second). */
export interface LiveColumns {
  /** Requests scheduled. */
  offered: number[];
  /** Answered 2xx. */
  served: number[];
  /** Of those, later than the SLO. */
  late: number[];
  /** Failed (timeouts, 5xx but 503, connection errors). */
  failed: number[];
  /** Rejected (429, 503, dropped). */
  rejected: number[];
  /** p95 of the served latencies, seconds (null when none). */
  p95: (number | null)[];
}

/** How a request ended. */
export function outcome(r: LiveRequest): "served" | "rejected" | "failed" {
  if (r.dropped || r.status === 429 || r.status === 503) return "rejected";
  if (r.status >= 200 && r.status < 300 && r.latencyMs !== null) return "served";
  return "failed";
}

/** Nearest-rank quantile of ascending `sorted` (NaN when empty). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Buckets requests into `seconds` per-second columns (later requests go to the last second). */
export function liveColumns(
  requests: readonly LiveRequest[],
  options: { seconds: number; sloSeconds: number },
): LiveColumns {
  const n = options.seconds;
  const zeros = () => new Array<number>(n).fill(0);
  const cols = {
    offered: zeros(),
    served: zeros(),
    late: zeros(),
    failed: zeros(),
    rejected: zeros(),
  };
  const latencies: number[][] = Array.from({ length: n }, () => []);
  for (const r of requests) {
    const k = Math.min(n - 1, Math.max(0, Math.floor(r.scheduledMs / 1000)));
    cols.offered[k]++;
    const how = outcome(r);
    cols[how][k]++;
    if (how === "served") {
      const s = r.latencyMs! / 1000;
      latencies[k].push(s);
      if (s > options.sloSeconds) cols.late[k]++;
    }
  }
  const p95 = latencies.map((xs) => {
    if (xs.length === 0) return null;
    return quantile(xs.sort((a, b) => a - b), 0.95);
  });
  return { ...cols, p95 };
}

/** Replica columns over `seconds` seconds: each second takes its sample, or the last one before. */
export function replicaColumns(
  samples: readonly ReplicaSample[],
  seconds: number,
): { pods: number[]; desired: number[]; ready: number[] } {
  const sorted = [...samples].sort((a, b) => a.second - b.second);
  const out = { pods: [] as number[], desired: [] as number[], ready: [] as number[] };
  let j = 0, last: ReplicaSample | undefined = sorted[0];
  for (let k = 0; k < seconds; k++) {
    while (j < sorted.length && sorted[j].second <= k) last = sorted[j++];
    out.pods.push(last?.pods ?? 0);
    out.desired.push(last?.desired ?? 0);
    out.ready.push(last?.ready ?? 0);
  }
  return out;
}

/** Options of {@link liveRun}. */
export interface LiveRunOptions {
  /** Seconds of the run (the workload's length). */
  seconds: number;
  /** The latency SLO, seconds. */
  sloSeconds: number;
  /** Load steps up, seconds of the run, to time recovery from. */
  steps?: readonly number[];
  /** The oracle's replica-seconds over the same seconds. */
  oracleReplicaSeconds?: number;
  /** Consecutive good seconds that count as recovered (default 30, as the simulator). */
  holdSeconds?: number;
}

/** The report series and the summary of one live run. */
export function liveRun(
  requests: readonly LiveRequest[],
  samples: readonly ReplicaSample[],
  options: LiveRunOptions,
): { series: ReportSeries; summary: RunSummary } {
  const cols = liveColumns(requests, options);
  const reps = replicaColumns(samples, options.seconds);
  const served = requests.filter((r) => outcome(r) === "served")
    .map((r) => r.latencyMs! / 1000).sort((a, b) => a - b);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const totals = {
    served: sum(cols.served),
    late: sum(cols.late),
    failed: sum(cols.failed),
    rejected: sum(cols.rejected),
  };
  const replicaSeconds = sum(reps.pods);
  let scalingActions = 0;
  for (let k = 1; k < reps.desired.length; k++) {
    if (reps.desired[k] !== reps.desired[k - 1]) scalingActions++;
  }
  const oracle = options.oracleReplicaSeconds;
  const summary: RunSummary = {
    violationsPercent: violationPercent(totals),
    p50: quantile(served, 0.5),
    p95: quantile(served, 0.95),
    p99: quantile(served, 0.99),
    arrivals: requests.length,
    late: totals.late,
    failed: totals.failed,
    rejected: totals.rejected,
    replicaSeconds,
    costRatio: oracle && oracle > 0 ? replicaSeconds / oracle : null,
    meanReplicas: options.seconds > 0 ? replicaSeconds / options.seconds : 0,
    scalingActions,
    recoverySeconds: recoveryTimes(
      {
        served: Int32Array.from(cols.served),
        late: Int32Array.from(cols.late),
        failed: Int32Array.from(cols.failed),
        rejected: Int32Array.from(cols.rejected),
      },
      options.steps ?? [],
      { holdSeconds: options.holdSeconds },
    ),
    oscillations: oscillations(reps.desired),
  };
  return {
    series: {
      offered: cols.offered,
      served: cols.served,
      failed: cols.failed,
      rejected: cols.rejected,
      replicas: reps.pods,
      desired: reps.desired,
      p95: cols.p95,
    },
    summary,
  };
}
