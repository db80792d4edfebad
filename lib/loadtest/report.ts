/**
 * Human-readable output of the load tester: the live progress line and the final text summary
 * (vegeta's `report` layout with k6's threshold marks). Pure formatting: callers write the text.
 *
 * @module
 */
import type { LatencyStats } from "./histogram.ts";
import type { LiveSnapshot } from "./recorder.ts";
import type { Summary } from "./summary.ts";
import type { ThresholdResult } from "./threshold.ts";

/** Milliseconds as `850µs`, `23.4ms` or `1.25s`. */
export function formatMs(ms: number): string {
  if (ms < 1) return `${Math.round(ms * 1000)}µs`;
  if (ms < 1000) return `${ms < 100 ? ms.toFixed(2) : ms.toFixed(1)}ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 3 : 1)}s`;
}

/** A ratio as a percentage with two decimals. */
export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(2)}%`;
}

/** One progress line: elapsed/total, offered, ok, errors, dropped, outstanding, recent p95. */
export function formatProgress(
  elapsedSeconds: number,
  totalSeconds: number,
  s: LiveSnapshot,
): string {
  return `[${elapsedSeconds.toFixed(1)}s/${totalSeconds}s] offered ${s.offered} ok ${s.ok} ` +
    `errors ${s.errors} dropped ${s.dropped} in-flight ${s.outstanding} ` +
    `p95 ${s.recentP95 > 0 ? formatMs(s.recentP95) : "-"}`;
}

function row(label: string, keys: string, values: string): string {
  return `${label.padEnd(14)}${keys.padEnd(40)}${values}`;
}

function latencyRow(label: string, s: LatencyStats): string {
  return row(
    label,
    "[min, mean, 50, 90, 95, 99, 99.9, max]",
    [s.min, s.mean, s.p50, s.p90, s.p95, s.p99, s.p999, s.max].map(formatMs).join(", "),
  );
}

/** The final report: totals, rates, latencies, lag, success, codes, error set, SLO, thresholds. */
export function formatSummary(s: Summary, thresholds: ThresholdResult[] = []): string {
  const q = s.requests;
  const lines = [
    row(
      "Requests",
      "[offered, sent, dropped, ok]",
      `${q.offered}, ${q.sent}, ${q.dropped}, ${q.ok}`,
    ),
    row(
      "Rate",
      "[offered, sent, throughput]",
      `${s.rates.offered.toFixed(2)}, ${s.rates.sent.toFixed(2)}, ${
        s.rates.throughput.toFixed(2)
      }/s`,
    ),
    row("Duration", "[schedule, wall]", `${s.duration.schedule_s}s, ${s.duration.wall_s}s`),
    latencyRow("Latency", s.latency_ms.corrected),
    latencyRow("Uncorrected", s.latency_ms.uncorrected),
    row(
      "Schedule lag",
      "[50, 99, 99.9, max]",
      [s.schedule_lag_ms.p50, s.schedule_lag_ms.p99, s.schedule_lag_ms.p999, s.schedule_lag_ms.max]
        .map(formatMs).join(", "),
    ),
    row("Success", "[ratio]", formatPercent(s.success_ratio)),
    row(
      "Status Codes",
      "[code:count]",
      Object.entries(s.codes).map(([c, n]) => `${c}:${n}`).join("  ") || "-",
    ),
  ];
  if (s.slo) {
    lines.push(row(
      `SLO ${formatMs(s.slo.ms)}`,
      "[late, violations]",
      `${s.slo.late}, ${s.slo.violations} (${formatPercent(s.slo.violation_ratio)} of offered)`,
    ));
  }
  lines.push("Error Set:");
  const errors = Object.entries(s.errors);
  if (q.dropped) errors.push(["dropped (max-inflight)", q.dropped]);
  for (const [kind, n] of errors) lines.push(`  ${kind}: ${n}`);
  if (thresholds.length) lines.push("Thresholds:");
  for (const t of thresholds) {
    const shown = t.metric.match(/^(errors|dropped|success|slo_violations)$/)
      ? formatPercent(t.actual)
      : t.metric === "throughput"
      ? `${t.actual}/s`
      : formatMs(t.actual);
    lines.push(`  ${t.ok ? "✓" : "✗"} ${t.text} (actual ${shown})`);
  }
  if (s.aborted) lines.push("(interrupted before the end of the workload)");
  return lines.join("\n");
}
