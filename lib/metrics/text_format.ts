/**
 * Prometheus text exposition format (version 0.0.4) → flat samples, the way Prometheus itself
 * stores them: a histogram `x` becomes the series `x_bucket{le="..."}`, `x_sum` and `x_count`; a
 * summary `x` becomes `x{quantile="..."}`, `x_sum` and `x_count`.
 *
 * Parsing is done by the `parse-prometheus-text-format` npm package; this module only flattens
 * its metric families and converts the value strings (`NaN`, `+Inf`, `-Inf`, exponents).
 *
 * @module
 */
import parsePrometheusText from "parse-prometheus-text-format";

/** One sample of one series. */
export interface Sample {
  /** Metric name, e.g. `inference_latency_seconds_bucket`. */
  name: string;
  /** Label set (without `__name__`). */
  labels: Record<string, string>;
  /** Value. */
  value: number;
}

interface ParsedMetric {
  labels?: Record<string, string>;
  value?: string;
  buckets?: Record<string, string>;
  quantiles?: Record<string, string>;
  count?: string;
  sum?: string;
}

interface ParsedFamily {
  name: string;
  type: string;
  metrics: ParsedMetric[];
}

/**
 * A sample value string as Prometheus reads it (Go's ParseFloat): floats, and `NaN`, `Inf`,
 * `+Inf`, `-Inf`, `Infinity` in any letter case (prom-client writes `Nan`).
 */
export function parseValue(text: string): number {
  const t = text.trim();
  const lower = t.toLowerCase();
  if (lower === "+inf" || lower === "inf" || lower === "+infinity" || lower === "infinity") {
    return Infinity;
  }
  if (lower === "-inf" || lower === "-infinity") return -Infinity;
  if (lower === "nan") return NaN;
  const v = Number(t);
  if (t === "" || Number.isNaN(v)) throw new SyntaxError(`sample value is not a number: got ${t}`);
  return v;
}

/** Canonical form of a bucket bound, as Prometheus formats `le` (`"0.5"`, `"+Inf"`). */
function formatLe(raw: string): string {
  const v = parseValue(raw);
  return v === Infinity ? "+Inf" : String(v);
}

/**
 * Parses an exposition and returns every sample. Throws `SyntaxError` naming the problem when the
 * text is not valid exposition format.
 *
 * @example
 * ```ts
 * parseExposition('# TYPE c counter\nc{code="200"} 5\n');
 * // [{ name: "c", labels: { code: "200" }, value: 5 }]
 * ```
 */
export function parseExposition(text: string): Sample[] {
  let families: ParsedFamily[];
  try {
    families = parsePrometheusText(text) as ParsedFamily[];
  } catch (err) {
    throw new SyntaxError(`invalid exposition text: ${(err as Error).message}`);
  }
  const out: Sample[] = [];
  for (const family of families) {
    for (const metric of family.metrics) {
      const labels = metric.labels ?? {};
      if (family.type === "HISTOGRAM" || family.type === "SUMMARY") {
        const histogram = family.type === "HISTOGRAM";
        const parts = (histogram ? metric.buckets : metric.quantiles) ?? {};
        for (const [bound, value] of Object.entries(parts)) {
          out.push(
            histogram
              ? {
                name: `${family.name}_bucket`,
                labels: { ...labels, le: formatLe(bound) },
                value: parseValue(value),
              }
              : {
                name: family.name,
                labels: { ...labels, quantile: bound },
                value: parseValue(value),
              },
          );
        }
        if (metric.sum !== undefined) {
          out.push({ name: `${family.name}_sum`, labels, value: parseValue(metric.sum) });
        }
        if (metric.count !== undefined) {
          out.push({ name: `${family.name}_count`, labels, value: parseValue(metric.count) });
        }
      } else if (metric.value !== undefined) {
        out.push({ name: family.name, labels, value: parseValue(metric.value) });
      }
    }
  }
  return out;
}
