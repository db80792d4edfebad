/**
 * Pass/fail thresholds on a run (k6 style): `METRIC OP VALUE[UNIT]` with OP one of `<`, `<=`,
 * `>`, `>=`, e.g. `p95<500ms`, `errors<1%`, `lag_p99<=2ms`, `throughput>100`. The metrics and
 * their units are listed in README.md.
 *
 * @module
 */
import type { Summary } from "./summary.ts";

/** A parsed threshold. */
export interface Threshold {
  /** The text it came from. */
  text: string;
  /** Metric name. */
  metric: string;
  /** Comparison. */
  op: "<" | "<=" | ">" | ">=";
  /** Bound in the metric's unit (ms, fraction or req/s). */
  bound: number;
}

/** A threshold's verdict. */
export interface ThresholdResult extends Threshold {
  /** The metric's value in the run. */
  actual: number;
  /** Whether the run met it. */
  ok: boolean;
}

const PERCENTILES = [50, 90, 95, 99, 99.9];
const RATIOS = ["errors", "dropped", "success", "slo_violations"];
const LATENCY_RE = /^(?:(uncorrected|lag)_)?(p\d+(?:\.\d+)?|min|mean|max)$/;

/** Parses one threshold; throws with the text and what is expected. */
export function parseThreshold(text: string): Threshold {
  const m = /^\s*([a-z_]+(?:\d+(?:\.\d+)?)?)\s*(<=|>=|<|>)\s*([0-9.]+)\s*(us|ms|s|%)?\s*$/i.exec(
    text,
  );
  if (!m) {
    throw new RangeError(`threshold must look like p95<500ms or errors<1%: got "${text}"`);
  }
  const [, metricRaw, op, num, unit] = m;
  const metric = metricRaw.toLowerCase();
  const value = Number(num);
  if (!Number.isFinite(value)) throw new RangeError(`threshold value is not a number: "${text}"`);
  const latency = LATENCY_RE.exec(metric);
  let bound: number;
  if (latency) {
    if (latency[2].startsWith("p") && !PERCENTILES.includes(Number(latency[2].slice(1)))) {
      throw new RangeError(
        `threshold percentile must be p50, p90, p95, p99 or p99.9: got "${text}"`,
      );
    }
    if (unit === "%") throw new RangeError(`threshold ${metric} takes us, ms or s: got "${text}"`);
    bound = unit === "s" ? value * 1000 : unit === "us" ? value / 1000 : value;
  } else if (RATIOS.includes(metric)) {
    if (unit && unit !== "%") {
      throw new RangeError(`threshold ${metric} takes % or a fraction: "${text}"`);
    }
    bound = unit === "%" ? value / 100 : value;
    if (bound > 1) throw new RangeError(`threshold ${metric} must be ≤ 100% (or ≤ 1): "${text}"`);
  } else if (metric === "throughput") {
    if (unit) throw new RangeError(`threshold throughput takes a plain req/s number: "${text}"`);
    bound = value;
  } else {
    throw new RangeError(
      `threshold metric must be pN, min, mean, max, uncorrected_pN, lag_pN, errors, dropped, success, slo_violations or throughput: got "${metricRaw}"`,
    );
  }
  return { text: text.trim(), metric, op: op as Threshold["op"], bound };
}

/** The value of a threshold's metric in a summary (ms, fraction or req/s). */
export function metricValue(summary: Summary, metric: string): number {
  const latency = LATENCY_RE.exec(metric);
  if (latency) {
    const stats = latency[1] === "lag"
      ? summary.schedule_lag_ms
      : summary.latency_ms[latency[1] === "uncorrected" ? "uncorrected" : "corrected"];
    const key = latency[2];
    if (key === "min" || key === "mean" || key === "max") return stats[key];
    const p = Number(key.slice(1));
    const known: Record<number, number> = {
      50: stats.p50,
      90: stats.p90,
      95: stats.p95,
      99: stats.p99,
      99.9: stats.p999,
    };
    if (p in known) return known[p];
    throw new RangeError(`threshold percentile must be p50, p90, p95, p99 or p99.9: got ${key}`);
  }
  switch (metric) {
    case "errors":
      return summary.error_ratio;
    case "dropped":
      return summary.dropped_ratio;
    case "success":
      return summary.success_ratio;
    case "slo_violations":
      if (!summary.slo) throw new RangeError("threshold slo_violations needs --slo-ms");
      return summary.slo.violation_ratio;
    case "throughput":
      return summary.rates.throughput;
  }
  throw new RangeError(`unknown threshold metric: ${metric}`);
}

/** Evaluates thresholds against a summary. */
export function evaluateThresholds(thresholds: Threshold[], summary: Summary): ThresholdResult[] {
  return thresholds.map((t) => {
    const actual = metricValue(summary, t.metric);
    const ok = t.op === "<"
      ? actual < t.bound
      : t.op === "<="
      ? actual <= t.bound
      : t.op === ">"
      ? actual > t.bound
      : actual >= t.bound;
    return { ...t, actual, ok };
  });
}
