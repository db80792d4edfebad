/**
 * TODO metrics
 *
 * @module
 */
export {
  type AutoscalerMetrics,
  autoscalerMetrics,
  createRegistry,
  type DispatcherMetrics,
  dispatcherMetrics,
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
  type MetricField,
  type MetricReading,
  type MetricSource,
} from "./source.ts";
export { parseExposition } from "./text_format.ts";
