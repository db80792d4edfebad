/**
 * Metric definitions. Each process builds its own prom-client `Registry` and passes it in; no
 * metric lives at module level. Names follow docs/DESIGN.md "Metric names": the seed project's
 * names, and the rest with the same prefixes.
 *
 * @module
 */
import client from "prom-client";

/**
 * Latency buckets in seconds: exponential from 5 ms to 30 s at four per doubling (factor 2^¼),
 * anchored so that 0.25, 0.5, 1 and 2 s are bucket bounds; a p95 near a 500 ms SLO is resolved
 * to within ~19%, and "over the SLO" is exact for power-of-two SLOs.
 */
export const LATENCY_BUCKETS: readonly number[] = (() => {
  const out = [0.005];
  for (let k = -26; 0.5 * 2 ** (k / 4) < 30; k++) {
    out.push(Number((0.5 * 2 ** (k / 4)).toPrecision(4)));
  }
  out.push(30);
  return out;
})();

/** Batch-size buckets: every size up to 8, then powers of two to 256. */
export const BATCH_BUCKETS: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 8, 16, 32, 64, 128, 256];

/** A registry with prom-client's default process metrics (`process_cpu_seconds_total`, ...). */
export function createRegistry(labels: Record<string, string> = {}): client.Registry {
  const registry = new client.Registry();
  registry.setDefaultLabels(labels);
  client.collectDefaultMetrics({ register: registry });
  return registry;
}

/** The replica's metrics. */
export interface ReplicaMetrics {
  /** Requests accepted and not yet answered (queued, decoding or computing). */
  inProgress: client.Gauge;
  /** Time in the replica per request, queue + compute, in seconds. */
  latency: client.Histogram;
  /** Size of each batch run. */
  batchSize: client.Histogram;
  /** Time a request waited for its batch, in seconds. */
  queueSeconds: client.Histogram;
  /** Requests answered, by HTTP status code. */
  requests: client.Counter<"code">;
  /** Images refused before or while decoding, by error code (`too_large`, `too_complex`, ...). */
  refused: client.Counter<"code">;
}

/** Registers the replica's metrics on `registry`. */
export function replicaMetrics(registry: client.Registry): ReplicaMetrics {
  const registers = [registry];
  return {
    inProgress: new client.Gauge({
      name: "inference_in_progress",
      help: "Requests accepted and not yet answered.",
      registers,
    }),
    latency: new client.Histogram({
      name: "inference_latency_seconds",
      help: "Time in the replica per request (queue + compute), seconds.",
      buckets: [...LATENCY_BUCKETS],
      registers,
    }),
    batchSize: new client.Histogram({
      name: "inference_batch_size",
      help: "Images per batch run.",
      buckets: [...BATCH_BUCKETS],
      registers,
    }),
    queueSeconds: new client.Histogram({
      name: "inference_queue_seconds",
      help: "Time a request waited for its batch, seconds.",
      buckets: [...LATENCY_BUCKETS],
      registers,
    }),
    requests: new client.Counter({
      name: "inference_requests_total",
      help: "Requests answered, by HTTP status code.",
      labelNames: ["code"],
      registers,
    }),
    refused: new client.Counter({
      name: "inference_images_refused_total",
      help: "Images refused before or while decoding, by error code.",
      labelNames: ["code"],
      registers,
    }),
  };
}

/**
 * A hollow replica's `replica_emulated_cpu_seconds_total`: the CPU seconds a real replica would
 * have spent on the batches it emulated (`read()` at scrape time). Its own
 * `process_cpu_seconds_total` stays its true CPU.
 */
export function emulatedCpuMetric(registry: client.Registry, read: () => number): void {
  let counted = 0;
  new client.Counter({
    name: "replica_emulated_cpu_seconds_total",
    help: "CPU seconds a real replica would have spent on the emulated batches.",
    registers: [registry],
    collect() {
      const total = read();
      if (total > counted) this.inc(total - counted);
      counted = total;
    },
  });
}

/** Live values the dispatcher's gauges read at scrape time. */
export interface DispatcherGaugeSources {
  /** Requests waiting in the central queue. */
  queueLength(): number;
  /** Requests accepted and not answered. */
  inflight(): number;
  /** Replicas per health state. */
  replicas(): Record<string, number>;
}

/** The dispatcher's metrics. */
export interface DispatcherMetrics {
  /** Requests accepted for relaying (the seed's arrival counter). */
  enqueued: client.Counter;
  /** End-to-end time in the dispatcher per request, by status code. */
  duration: client.Histogram<"code">;
  /** Time spent waiting in the central queue. */
  queueWait: client.Histogram;
  /** Requests retried on another replica after a connection failure. */
  retries: client.Counter;
  /** Requests refused or dropped, by reason. */
  rejected: client.Counter<"reason">;
}

/** Registers the dispatcher's metrics on `registry`; gauges read `sources` when scraped. */
export function dispatcherMetrics(
  registry: client.Registry,
  sources: DispatcherGaugeSources,
): DispatcherMetrics {
  const registers = [registry];
  new client.Gauge({
    name: "dispatcher_queue_length",
    help: "Requests waiting in the dispatcher's queue.",
    registers,
    collect() {
      this.set(sources.queueLength());
    },
  });
  new client.Gauge({
    name: "dispatcher_inflight",
    help: "Requests accepted and not yet answered (queued or at a replica).",
    registers,
    collect() {
      this.set(sources.inflight());
    },
  });
  new client.Gauge({
    name: "dispatcher_replicas",
    help: "Replicas known to the dispatcher, by state.",
    labelNames: ["state"],
    registers,
    collect() {
      for (const [state, n] of Object.entries(sources.replicas())) this.set({ state }, n);
    },
  });
  return {
    enqueued: new client.Counter({
      name: "dispatcher_enqueued_requests_total",
      help: "Requests accepted by the dispatcher.",
      registers,
    }),
    duration: new client.Histogram({
      name: "dispatcher_request_duration_seconds",
      help: "Time in the dispatcher per request (queue + replica), seconds, by status code.",
      labelNames: ["code"],
      buckets: [...LATENCY_BUCKETS],
      registers,
    }),
    queueWait: new client.Histogram({
      name: "dispatcher_queue_wait_seconds",
      help: "Time a request waited in the dispatcher's queue, seconds.",
      buckets: [...LATENCY_BUCKETS],
      registers,
    }),
    retries: new client.Counter({
      name: "dispatcher_retries_total",
      help: "Requests retried on another replica after a connection failure.",
      registers,
    }),
    rejected: new client.Counter({
      name: "dispatcher_rejected_total",
      help: "Requests refused or dropped by the dispatcher, by reason.",
      labelNames: ["reason"],
      registers,
    }),
  };
}

/** The autoscaler's metrics. */
export interface AutoscalerMetrics {
  /** Replicas the last decision wanted. */
  desired: client.Gauge;
  /** Replicas the target was set to at the last tick. */
  current: client.Gauge;
  /** Decisions, by policy and reason. */
  decisions: client.Counter<"policy" | "reason">;
  /** Ticks whose metrics were unavailable or partial. */
  metricErrors: client.Counter;
  /** Failed scale calls. */
  actuatorErrors: client.Counter;
}

/** Registers the autoscaler's metrics on `registry`. */
export function autoscalerMetrics(registry: client.Registry): AutoscalerMetrics {
  const registers = [registry];
  return {
    desired: new client.Gauge({
      name: "autoscaler_desired_replicas",
      help: "Replicas the last decision wanted.",
      registers,
    }),
    current: new client.Gauge({
      name: "autoscaler_current_replicas",
      help: "Replicas the target was set to at the last tick.",
      registers,
    }),
    decisions: new client.Counter({
      name: "autoscaler_decisions_total",
      help: "Scaling decisions, by policy and reason.",
      labelNames: ["policy", "reason"],
      registers,
    }),
    metricErrors: new client.Counter({
      name: "autoscaler_metric_errors_total",
      help: "Ticks whose metrics were unavailable or partial (the count was held).",
      registers,
    }),
    actuatorErrors: new client.Counter({
      name: "autoscaler_actuator_errors_total",
      help: "Scale calls that failed.",
      registers,
    }),
  };
}
