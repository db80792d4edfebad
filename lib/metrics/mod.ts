/**
 * Metrics, both sides: the metric definitions each process registers (prom-client), the
 * exposition-format parser, the built-in scraper with Prometheus' `rate()` and
 * `histogram_quantile()` semantics, the Prometheus HTTP API client, the two metric sources the
 * autoscaler reads, and starting a real Prometheus.
 *
 * @example
 * ```ts
 * import { createRegistry, replicaMetrics } from "./lib/metrics/mod.ts";
 * const registry = createRegistry();
 * replicaMetrics(registry).requests.inc({ code: "200" });
 * ```
 *
 * @module
 */
export {
  type AutoscalerMetrics,
  autoscalerMetrics,
  createRegistry,
  type DispatcherMetrics,
  dispatcherMetrics,
  emulatedCpuMetric,
  LATENCY_BUCKETS,
  type ReplicaMetrics,
  replicaMetrics,
} from "./definitions.ts";
export {
  freePort,
  prometheusArgs,
  prometheusConfig,
  prometheusDir,
  prometheusOnPath,
  prometheusReady,
  queryPrometheus,
  type RunningPrometheus,
  type Sample,
  startPrometheus,
} from "./prometheus.ts";
export { scrapeAll, scrapeTarget, SeriesStore } from "./scraper.ts";
export {
  createPrometheusSource,
  createScrapeSource,
  DEFAULT_QUERIES,
  EMULATED_CPU_METRIC,
  EMULATED_CPU_QUERY,
  type MetricField,
  type MetricReading,
  type MetricSource,
} from "./source.ts";
export { parseExposition } from "./text_format.ts";
