/**
 * Metric definitions. Each process builds its own prom-client `Registry` and passes it in; no
 * metric lives at module level. Names follow shared/DESIGN.md (the seed's names are kept).
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
  };
}
