/**
 * Sim-to-real check (`compare validate`): one small live workload run on the real stack and in
 * the simulator with the same seed, the machine's calibration and the live control settings,
 * then the differences per policy: p95, violations, replica-seconds and the replica timeline.
 * Each side is a median: of `--repeat N` live runs, and of several draws of the replicas'
 * randomness in the simulator (why: lib/compare/README.md).
 *
 * @module
 */
import type { PolicyName } from "../policy/mod.ts";
import type { ReportRun } from "../report/mod.ts";
import { type Calibration, runSimulation, summarize } from "../sim/mod.ts";
import { median } from "../shared/mod.ts";
import type { LiveSchedule } from "./live_scenarios.ts";
import { reportSeries } from "./sim_mode.ts";

/** Live control settings the simulation mirrors. */
export interface MirrorSettings {
  /** Seed. */
  seed: number;
  /** SLO, seconds. */
  sloSeconds: number;
  /** Autoscaler period, seconds. */
  intervalSeconds: number;
  /** Rate window, seconds. */
  windowSeconds: number;
  /** Replicas at the start. */
  initialReplicas: number;
  /** Lower bound. */
  minReplicas: number;
  /** Upper bound. */
  maxReplicas: number;
  /** Extra spec per policy. */
  specs?: Partial<Record<PolicyName, Record<string, unknown>>>;
  /** Consecutive good seconds that count as recovered. */
  holdSeconds?: number;
  /** Oracle replica-seconds (cost ratio). */
  oracleReplicaSeconds?: number;
  /** Draws of service and startup times per policy; the run of median p95 is kept (default 1). */
  draws?: number;
}

/**
 * The live schedule simulated with the live settings, one report run per policy: of `draws` runs
 * with service seeds `seed`, `seed + 1`, ..., the one whose p95 is the median (the lower middle
 * for an even count).
 */
export function simulateSchedule(
  schedule: LiveSchedule,
  policies: readonly PolicyName[],
  calibration: Calibration,
  s: MirrorSettings,
): ReportRun[] {
  const draws = Math.max(1, Math.round(s.draws ?? 1));
  return policies.map((policy) => {
    const runs = Array.from({ length: draws }, (_, i) => {
      const result = runSimulation({
        counts: schedule.counts,
        seed: s.seed,
        serviceSeed: (s.seed + i) >>> 0,
        sloSeconds: s.sloSeconds,
        calibration,
        controller: { kind: "policy", policy, spec: s.specs?.[policy] },
        initialReplicas: s.initialReplicas,
        minReplicas: s.minReplicas,
        maxReplicas: s.maxReplicas,
        metrics: {
          scrapeIntervalSeconds: 1,
          rateWindowSeconds: s.windowSeconds,
          cpuWindowSeconds: s.windowSeconds,
          syncPeriodSeconds: s.intervalSeconds,
          syncOffsetSeconds: 0,
          actuationDelaySeconds: 0,
        },
      });
      const summary = summarize(result, {
        steps: schedule.steps,
        oracleReplicaSeconds: s.oracleReplicaSeconds,
        holdSeconds: s.holdSeconds,
      });
      return { label: `${policy} sim`, policy, summary, series: reportSeries(result) };
    });
    return medianRun(runs);
  });
}

/** The run whose p95 is the median (the lower middle of an even count); `runs` is not changed. */
export function medianRun<R extends { summary: { p95: number } }>(runs: readonly R[]): R {
  if (runs.length === 0) throw new RangeError("medianRun needs at least one run");
  const sorted = [...runs].sort((a, b) => a.summary.p95 - b.summary.p95);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** One policy's live-vs-sim differences. */
export interface ValidationRow {
  /** Policy. */
  policy: string;
  /** Live p95, seconds. */
  liveP95: number;
  /** Simulated p95, seconds. */
  simP95: number;
  /** Live violations, percent. */
  liveViolations: number;
  /** Simulated violations, percent. */
  simViolations: number;
  /** Live replica-seconds. */
  liveReplicaSeconds: number;
  /** Simulated replica-seconds. */
  simReplicaSeconds: number;
  /** Mean |live − sim| replicas per second. */
  replicaTimelineMeanAbsDiff: number;
  /** Largest |live − sim| replicas in any second. */
  replicaTimelineMaxAbsDiff: number;
  /** With repeats ({@link medianRows}): each live run's p95, seconds. */
  liveP95Runs?: number[];
}

/** Differences between matching live and simulated runs (pure). */
export function validationRows(live: ReportRun[], sim: ReportRun[]): ValidationRow[] {
  return live.map((l) => {
    const s = sim.find((x) => x.policy === l.policy);
    if (!s) throw new RangeError(`no simulated run of ${l.policy}`);
    const n = Math.min(l.series.replicas.length, s.series.replicas.length);
    let sum = 0, max = 0;
    for (let k = 0; k < n; k++) {
      const d = Math.abs(l.series.replicas[k] - s.series.replicas[k]);
      sum += d;
      max = Math.max(max, d);
    }
    return {
      policy: l.policy,
      liveP95: l.summary.p95,
      simP95: s.summary.p95,
      liveViolations: l.summary.violationsPercent,
      simViolations: s.summary.violationsPercent,
      liveReplicaSeconds: l.summary.replicaSeconds,
      simReplicaSeconds: s.summary.replicaSeconds,
      replicaTimelineMeanAbsDiff: n > 0 ? sum / n : 0,
      replicaTimelineMaxAbsDiff: max,
    };
  });
}

/**
 * One row per policy from the rows of several live repeats against the same simulation: each
 * figure is the median over the repeats, and `liveP95Runs` keeps every repeat's live p95 (a small
 * shared machine's speed varies from run to run; the median is the figure to compare).
 */
export function medianRows(repeats: readonly ValidationRow[][]): ValidationRow[] {
  if (repeats.length === 0) throw new RangeError("medianRows needs at least one repeat");
  return repeats[0].map((first) => {
    const rows = repeats.map((rs) => {
      const row = rs.find((r) => r.policy === first.policy);
      if (!row) throw new RangeError(`a repeat has no row for ${first.policy}`);
      return row;
    });
    const m = (f: (r: ValidationRow) => number) => median(rows.map(f));
    return {
      ...first,
      liveP95: m((r) => r.liveP95),
      liveViolations: m((r) => r.liveViolations),
      liveReplicaSeconds: m((r) => r.liveReplicaSeconds),
      replicaTimelineMeanAbsDiff: m((r) => r.replicaTimelineMeanAbsDiff),
      replicaTimelineMaxAbsDiff: m((r) => r.replicaTimelineMaxAbsDiff),
      liveP95Runs: rows.map((r) => r.liveP95),
    };
  });
}

/** The validation table (markdown). */
export function validationTable(rows: ValidationRow[]): string {
  const ms = (x: number) => (Number.isFinite(x) ? (x * 1000).toFixed(0) : "-");
  return [
    "| policy | p95 live ms | p95 sim ms | Δ p95 ms | violations live % | sim % | replica-s live | sim | Δ % | replicas mean abs Δ | max abs Δ |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map((r) =>
      `| ${r.policy} | ${ms(r.liveP95)}${
        r.liveP95Runs && r.liveP95Runs.length > 1 ? ` (${r.liveP95Runs.map(ms).join(", ")})` : ""
      } | ${ms(r.simP95)} | ${ms(r.simP95 - r.liveP95)} | ${r.liveViolations.toFixed(1)} | ${
        r.simViolations.toFixed(1)
      } | ${r.liveReplicaSeconds.toFixed(0)} | ${r.simReplicaSeconds.toFixed(0)} | ${
        (100 * (r.simReplicaSeconds - r.liveReplicaSeconds) / Math.max(1, r.liveReplicaSeconds))
          .toFixed(0)
      } | ${r.replicaTimelineMeanAbsDiff.toFixed(2)} | ${r.replicaTimelineMaxAbsDiff} |`
    ),
  ].join("\n");
}
