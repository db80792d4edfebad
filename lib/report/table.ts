/**
 * The report's summary table: one row per run (and the oracle), one column per figure, the best
 * value of each column marked. Every figure is "lower is better".
 *
 * @module
 */
import type { RunSummary } from "../sim/mod.ts";

/** One column: its heading, how to read the value from a summary, how to print it. */
export interface Column {
  /** Heading. */
  title: string;
  /** Tooltip explaining the figure. */
  help: string;
  /** The value (null: not applicable). */
  value(summary: RunSummary): number | null;
  /** Printed form. */
  format(value: number): string;
  /**
   * A cost figure: only runs within the SLO's violation budget compete for best, so a policy
   * cannot win on cost by failing its users.
   */
  cost?: boolean;
}

/** A p95 SLO tolerates 5% of requests over it: the budget a run must meet to compete on cost. */
export const VIOLATION_BUDGET_PERCENT = 5;

const ms = (seconds: number) => `${(seconds * 1000).toFixed(seconds < 0.1 ? 1 : 0)} ms`;
const int = (n: number) => Math.round(n).toLocaleString("en-US");
const worstRecovery = (s: RunSummary): number | null => {
  if (s.recoverySeconds.length === 0) return null;
  return s.recoverySeconds.some((r) => r === null)
    ? Infinity
    : Math.max(...(s.recoverySeconds as number[]));
};

/** The table's columns, in order. */
export const COLUMNS: readonly Column[] = [
  {
    title: "SLO violations",
    help: "late, failed or rejected requests, % of requests",
    value: (s) => s.violationsPercent,
    format: (v) => `${v.toFixed(2)}%`,
  },
  { title: "p50", help: "median latency of served requests", value: (s) => s.p50, format: ms },
  {
    title: "p95",
    help: "95th percentile latency of served requests",
    value: (s) => s.p95,
    format: ms,
  },
  {
    title: "p99",
    help: "99th percentile latency of served requests",
    value: (s) => s.p99,
    format: ms,
  },
  {
    title: "errors",
    help: "requests failed (deadline, connection)",
    value: (s) => s.failed,
    format: int,
  },
  {
    title: "rejected",
    help: "requests refused with a full queue (429)",
    value: (s) => s.rejected,
    format: int,
  },
  {
    title: "replica-seconds",
    help: "cost: pod-seconds paid for",
    value: (s) => s.replicaSeconds,
    format: int,
    cost: true,
  },
  {
    title: "× oracle",
    help: "replica-seconds over the oracle's (the cost floor)",
    value: (s) => s.costRatio,
    format: (v) => `${v.toFixed(2)}×`,
    cost: true,
  },
  {
    title: "mean replicas",
    help: "average pods over the run",
    value: (s) => s.meanReplicas,
    format: (v) => v.toFixed(1),
    cost: true,
  },
  {
    title: "scaling actions",
    help: "decisions that changed the replica count",
    value: (s) => s.scalingActions,
    format: int,
  },
  {
    title: "worst recovery",
    help: "longest time after a load step until p95 is back under the SLO (∞: never)",
    value: worstRecovery,
    format: (v) => Number.isFinite(v) ? `${v.toFixed(0)} s` : "∞",
  },
  {
    title: "oscillations",
    help: "direction changes of the replica count",
    value: (s) => s.oscillations,
    format: int,
  },
];

/** One printed cell. */
export interface Cell {
  /** Printed value, or an en dash when not applicable. */
  text: string;
  /** Whether this is the column's best (lowest) value. */
  best: boolean;
}

/**
 * The cells of the table for `rows`: per column, the lowest present value is best (every row
 * sharing it is marked). Rows flagged `reference` (the oracle) are printed but never marked
 * best and do not compete; in cost columns only rows within {@link VIOLATION_BUDGET_PERCENT}
 * compete.
 */
export function tableCells(rows: { summary: RunSummary; reference?: boolean }[]): Cell[][] {
  const competes = (row: { summary: RunSummary; reference?: boolean }, col: Column) =>
    !row.reference && (!col.cost || row.summary.violationsPercent <= VIOLATION_BUDGET_PERCENT);
  const bests = COLUMNS.map((col) => {
    const values = rows.filter((r) => competes(r, col)).map((r) => col.value(r.summary))
      .filter((v): v is number => v !== null && !Number.isNaN(v));
    return values.length ? Math.min(...values) : null;
  });
  return rows.map((row) =>
    COLUMNS.map((col, i) => {
      const v = col.value(row.summary);
      if (v === null || Number.isNaN(v)) return { text: "–", best: false };
      return { text: col.format(v), best: competes(row, col) && rows.length > 1 && v === bests[i] };
    })
  );
}
