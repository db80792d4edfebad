/**
 * Metric sources: one reading shape from two sources, `prometheus` (PromQL instant queries,
 * {@link DEFAULT_QUERIES}, each replaceable) and `scrape` (the same quantities from
 * lib/metrics/scraper.ts over samples the autoscaler scraped itself). Absent series and failed
 * queries are listed in `missing`, targets down in `down`; a p95 that is `NaN` because nothing was
 * served is neither (idle, not an outage). Details in lib/metrics/README.md.
 *
 * @module
 */
import { instantQuery } from "./promql.ts";
import { quantileOfBucketRates, type SeriesStore, type VectorItem } from "./scraper.ts";

/** The measured observation fields. */
export const METRIC_FIELDS = [
  "p95LatencySeconds",
  "arrivalRatePerSecond",
  "throughputPerSecond",
  "queueLength",
  "inFlight",
  "podCpu",
] as const;

/** A measured field name; `podCpu` is per-pod CPU. */
export type MetricField = typeof METRIC_FIELDS[number];

/** One reading of every metric. */
export interface MetricReading {
  /** Observation fields that were measured. */
  values: {
    p95LatencySeconds?: number;
    arrivalRatePerSecond?: number;
    throughputPerSecond?: number;
    queueLength?: number;
    inFlight?: number;
  };
  /** CPU in cores per `instance` label (`host:port` for the scraper, as Prometheus labels it). */
  podCpuCores: Record<string, number>;
  /** Fields that could not be measured. */
  missing: MetricField[];
  /** Targets down (scrape failed / `up == 0`), as `instance: why`. */
  down: string[];
  /** Failed queries, one message each. */
  errors: string[];
}

/** Something that reads the metrics at time `now` (seconds). */
export interface MetricSource {
  /** `prometheus` or `scrape`. */
  readonly kind: "prometheus" | "scrape";
  /** Reads every field; never rejects (failures are in `missing`, `down`, `errors`). */
  read(now: number): Promise<MetricReading>;
}

/** The PromQL of each field, and `targetsDown` (a count of targets down; empty = none). */
export interface Queries {
  /** p95 latency, seconds. */
  p95LatencySeconds: string;
  /** Requests/s entering the dispatchers. */
  arrivalRatePerSecond: string;
  /** Requests/s the replicas complete. */
  throughputPerSecond: string;
  /** Requests in the dispatchers' queues. */
  queueLength: string;
  /** Requests at replicas. */
  inFlight: string;
  /** CPU cores per pod; the `instance` label (or `podLabel`) names the pod. */
  podCpu: string;
  /** Number of scrape targets down. */
  targetsDown: string;
}

/**
 * The default queries: 1 m rate windows, sums over every instance. The p95 is the users' latency,
 * measured by the dispatchers (queue wait + replica), over every answer but client errors and 429s:
 * the replicas' own `inference_latency_seconds` leaves out the dispatcher queue, where requests
 * wait once every replica is at its in-flight cap, so a latency policy fed with it never sees the
 * overload it should react to (the replica p95 is still one `--queries` override away).
 */
export const DEFAULT_QUERIES: Queries = {
  p95LatencySeconds:
    'histogram_quantile(0.95, sum(rate(dispatcher_request_duration_seconds_bucket{code!~"4.."}[1m])) by (le))',
  arrivalRatePerSecond: "sum(rate(dispatcher_enqueued_requests_total[1m]))",
  throughputPerSecond: 'sum(rate(inference_requests_total{code="200"}[1m]))',
  queueLength: "sum(dispatcher_queue_length)",
  inFlight: "sum(dispatcher_inflight) - sum(dispatcher_queue_length)",
  podCpu: "rate(process_cpu_seconds_total[1m])",
  targetsDown: "count(up == 0)",
};

/** Options of {@link createPrometheusSource}. */
export interface PrometheusSourceOptions {
  /** Prometheus base URL, e.g. `http://127.0.0.1:9090`. */
  url: string;
  /** Query overrides; the rest are {@link DEFAULT_QUERIES}. */
  queries?: Partial<Queries>;
  /** Timeout per query, ms. */
  timeoutMs: number;
  /** Label naming the pod in the `podCpu` result (default `instance`). */
  podLabel?: string;
  /** Replaces fetch (tests). */
  fetch?: typeof fetch;
}

function single(vector: VectorItem[]): number | undefined {
  return vector.length === 0 ? undefined : vector.reduce((sum, item) => sum + item.value, 0);
}

/** A source querying Prometheus. */
export function createPrometheusSource(options: PrometheusSourceOptions): MetricSource {
  const queries = { ...DEFAULT_QUERIES, ...options.queries };
  const podLabel = options.podLabel ?? "instance";
  return {
    kind: "prometheus",
    async read(now) {
      const reading: MetricReading = {
        values: {},
        podCpuCores: {},
        missing: [],
        down: [],
        errors: [],
      };
      const run = async (field: keyof Queries): Promise<VectorItem[] | undefined> => {
        try {
          return await instantQuery(options.url, queries[field], {
            timeoutMs: options.timeoutMs,
            time: now,
            fetch: options.fetch,
          });
        } catch (err) {
          reading.errors.push((err as Error).message);
          return undefined;
        }
      };
      const scalarFields = [
        "p95LatencySeconds",
        "arrivalRatePerSecond",
        "throughputPerSecond",
        "queueLength",
        "inFlight",
      ] as const;
      const [scalars, cpu, down] = await Promise.all([
        Promise.all(scalarFields.map(run)),
        run("podCpu"),
        run("targetsDown"),
      ]);
      scalarFields.forEach((field, i) => {
        const value = scalars[i] === undefined ? undefined : single(scalars[i]!);
        if (value === undefined) reading.missing.push(field);
        else if (!Number.isNaN(value)) reading.values[field] = value;
      });
      if (cpu === undefined || cpu.length === 0) reading.missing.push("podCpu");
      else {
        for (const item of cpu) {
          const key = item.labels[podLabel];
          if (key !== undefined && Number.isFinite(item.value)) {
            reading.podCpuCores[key] = (reading.podCpuCores[key] ?? 0) + item.value;
          }
        }
      }
      const downCount = down === undefined ? 0 : single(down) ?? 0;
      if (downCount > 0) reading.down.push(`${downCount} target(s) with up == 0`);
      return reading;
    },
  };
}

/** Options of {@link createScrapeSource}. */
export interface ScrapeSourceOptions {
  /** The store the autoscaler's scrape loop fills. */
  store: SeriesStore;
  /** Rate window, seconds (60 like the default queries). */
  windowS?: number;
  /** Latency quantile (0.95). */
  quantile?: number;
  /** The per-pod CPU counter (default `process_cpu_seconds_total`; hollow replicas: {@link EMULATED_CPU_METRIC}). */
  cpuMetric?: string;
}

/** The CPU counter of hollow replicas (`replica --backend emulated`): what a real one would use. */
export const EMULATED_CPU_METRIC = "replica_emulated_cpu_seconds_total";

/** The `podCpu` query over hollow replicas' {@link EMULATED_CPU_METRIC}. */
export const EMULATED_CPU_QUERY = `rate(${EMULATED_CPU_METRIC}[1m])`;

/** A source reading the built-in scraper's store. */
export function createScrapeSource(options: ScrapeSourceOptions): MetricSource {
  const { store } = options;
  const windowS = options.windowS ?? 60;
  const q = options.quantile ?? 0.95;
  return {
    kind: "scrape",
    read(now) {
      const reading: MetricReading = {
        values: {},
        podCpuCores: {},
        missing: [],
        down: [],
        errors: [],
      };
      for (const t of store.targets()) {
        if (!t.up) reading.down.push(`${t.instance}: ${t.error ?? "down"}`);
      }
      const set = (field: Exclude<MetricField, "podCpu">, value: number | undefined) => {
        if (value === undefined) reading.missing.push(field);
        else if (!Number.isNaN(value)) reading.values[field] = value;
      };
      const buckets = store.rate("dispatcher_request_duration_seconds_bucket", windowS, now)
        .filter((b) => !(b.labels.code ?? "").startsWith("4"));
      set(
        "p95LatencySeconds",
        buckets.length === 0 ? undefined : quantileOfBucketRates(q, buckets),
      );
      set(
        "arrivalRatePerSecond",
        single(store.rate("dispatcher_enqueued_requests_total", windowS, now)),
      );
      set(
        "throughputPerSecond",
        single(store.rate("inference_requests_total", windowS, now, { code: "200" })),
      );
      const queue = single(store.instant("dispatcher_queue_length"));
      const inflight = single(store.instant("dispatcher_inflight"));
      set("queueLength", queue);
      set("inFlight", queue === undefined || inflight === undefined ? undefined : inflight - queue);
      const cpu = store.rate(options.cpuMetric ?? "process_cpu_seconds_total", windowS, now);
      if (cpu.length === 0) reading.missing.push("podCpu");
      for (const item of cpu) {
        const key = item.labels.instance;
        reading.podCpuCores[key] = (reading.podCpuCores[key] ?? 0) + item.value;
      }
      return Promise.resolve(reading);
    },
  };
}
