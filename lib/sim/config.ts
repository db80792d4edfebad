/**
 * What a simulation run is given: the workload (requests per second), the replica calibration,
 * the dispatcher and metrics-pipeline models and the controller, with documented defaults that
 * mirror the live system's flags (dispatcher.ts, replica.ts) and Kubernetes' control loop.
 *
 * @module
 */
import type { PolicyName } from "../policy/mod.ts";
import type { ArrivalMode } from "../workload/mod.ts";
import { type Calibration, K8S_CALIBRATION, parseCalibration } from "./calibration.ts";

/** The dispatcher and the replicas' batchers (defaults: the live flags). */
export interface DispatcherModel {
  /** Requests waiting in the dispatcher before 429 (`--queue`, 1024). */
  queueCapacity: number;
  /** Most requests at one replica, batch included (`--per-replica-inflight`, 8). */
  perReplicaInflight: number;
  /** Deadline per request, seconds (`--timeout-s`, 30): later → failed (504). */
  timeoutSeconds: number;
  /** Largest batch (replica `--max-batch`, 8). */
  maxBatch: number;
  /** Longest wait for a batch to fill, seconds (replica `--batch-delay-ms` 2 → 0.002). */
  batchDelaySeconds: number;
}

/** Defaults of {@link DispatcherModel}. */
export const DISPATCHER_DEFAULTS: Readonly<DispatcherModel> = Object.freeze({
  queueCapacity: 1024,
  perReplicaInflight: 8,
  timeoutSeconds: 30,
  maxBatch: 8,
  batchDelaySeconds: 0.002,
});

/** The metrics pipeline and the control loop (defaults: Prometheus and kube-controller-manager). */
export interface MetricsModel {
  /** Prometheus scrape interval and metrics-server resolution, seconds (15). */
  scrapeIntervalSeconds: number;
  /** Window of `rate()` and of the p95's `histogram_quantile`, seconds (60). */
  rateWindowSeconds: number;
  /** Window metrics-server averages pod CPU over, seconds (30; a multiple of the scrape). */
  cpuWindowSeconds: number;
  /** Autoscaler period (HPA `--horizontal-pod-autoscaler-sync-period`), seconds (15). */
  syncPeriodSeconds: number;
  /** Ticks run this long after each scrape, seconds (1). */
  syncOffsetSeconds: number;
  /** Decision → pods created or deleted (deployment controller lag), seconds (1). */
  actuationDelaySeconds: number;
}

/** Defaults of {@link MetricsModel}. */
export const METRICS_DEFAULTS: Readonly<MetricsModel> = Object.freeze({
  scrapeIntervalSeconds: 15,
  rateWindowSeconds: 60,
  cpuWindowSeconds: 30,
  syncPeriodSeconds: 15,
  syncOffsetSeconds: 1,
  actuationDelaySeconds: 1,
});

/** Who sets the replica count. */
export type ControllerConfig =
  /** A policy module's `decide`, ticked every sync period. `spec` is partial (defaults filled). */
  | { kind: "policy"; policy: PolicyName; spec?: Record<string, unknown> }
  /** Nobody: `initialReplicas` for the whole run. */
  | { kind: "fixed" }
  /**
   * A known plan (the oracle): `pods[k]` pods (starting or ready) from second k, acted on at
   * once, with every startup taking exactly `startupSeconds`.
   */
  | { kind: "schedule"; pods: ArrayLike<number>; startupSeconds: number };

/** A simulation run. */
export interface SimConfig {
  /** Requests per second (whole numbers), e.g. from `planWorkload`; the run lasts this long. */
  counts: ArrayLike<number>;
  /** Seed of arrivals, service and startup times (0 ≤ seed < 2³²). */
  seed: number;
  /**
   * Seed of service and startup times alone (default `seed`): other draws of the replicas'
   * randomness under the same arrivals.
   */
  serviceSeed?: number;
  /** Arrivals inside each second (default `poisson`, as the load tester). */
  arrivalMode?: ArrivalMode;
  /** The latency SLO, seconds (default 0.5): a request answered later is a violation. */
  sloSeconds?: number;
  /** Replica model (default {@link K8S_CALIBRATION}). */
  calibration?: Calibration;
  /** Dispatcher overrides. */
  dispatcher?: Partial<DispatcherModel>;
  /** Metrics pipeline overrides. */
  metrics?: Partial<MetricsModel>;
  /** Who scales. */
  controller: ControllerConfig;
  /** Ready replicas at time 0. */
  initialReplicas: number;
  /** Bounds given to the policy (defaults 1 and 1000). */
  minReplicas?: number;
  /** Upper bound given to the policy. */
  maxReplicas?: number;
  /** Keep the per-second series (default true). */
  recordSeries?: boolean;
  /** Seconds of warm-up left out of `SimResult.measured` (default 0). */
  measureFromSecond?: number;
}

/** A {@link SimConfig} with every default filled and checked. */
export interface ResolvedConfig {
  /** Requests per second. */
  counts: ArrayLike<number>;
  /** Seed. */
  seed: number;
  /** Seed of service and startup times. */
  serviceSeed: number;
  /** Arrival mode. */
  arrivalMode: ArrivalMode;
  /** SLO, seconds. */
  sloSeconds: number;
  /** Replica model. */
  calibration: Calibration;
  /** Dispatcher. */
  dispatcher: DispatcherModel;
  /** Metrics pipeline. */
  metrics: MetricsModel;
  /** Who scales. */
  controller: ControllerConfig;
  /** Ready replicas at time 0. */
  initialReplicas: number;
  /** Lower bound. */
  minReplicas: number;
  /** Upper bound. */
  maxReplicas: number;
  /** Keep the per-second series. */
  recordSeries: boolean;
  /** First measured second. */
  measureFromSecond: number;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new RangeError(message);
}

function whole(value: number, name: string, min: number): void {
  check(
    Number.isInteger(value) && value >= min,
    `${name} must be an integer ≥ ${min}: got ${value}`,
  );
}

function finite(value: number, name: string, min: number, strict: boolean): void {
  const ok = Number.isFinite(value) && (strict ? value > min : value >= min);
  check(ok, `${name} must be a finite number ${strict ? ">" : "≥"} ${min}: got ${value}`);
}

/** Fills defaults and validates; throws a RangeError naming the bad field and its value. */
export function resolveConfig(config: SimConfig): ResolvedConfig {
  const dispatcher = { ...DISPATCHER_DEFAULTS, ...config.dispatcher };
  const metrics = { ...METRICS_DEFAULTS, ...config.metrics };
  const calibration = config.calibration === undefined
    ? K8S_CALIBRATION as Calibration
    : parseCalibration(config.calibration);
  check(config.counts.length >= 1, `counts must have at least one second: got 0`);
  for (let i = 0; i < config.counts.length; i++) {
    const c = config.counts[i];
    if (!(Number.isInteger(c) && c >= 0)) {
      throw new RangeError(`counts[${i}] must be a whole number ≥ 0: got ${c}`);
    }
  }
  const serviceSeed = config.serviceSeed ?? config.seed;
  for (const [name, seed] of [["seed", config.seed], ["serviceSeed", serviceSeed]] as const) {
    check(
      Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff,
      `${name} must be an integer in [0, 2^32): got ${seed}`,
    );
  }
  whole(dispatcher.queueCapacity, "dispatcher.queueCapacity", 0);
  whole(dispatcher.perReplicaInflight, "dispatcher.perReplicaInflight", 1);
  whole(dispatcher.maxBatch, "dispatcher.maxBatch", 1);
  finite(dispatcher.timeoutSeconds, "dispatcher.timeoutSeconds", 0, true);
  finite(dispatcher.batchDelaySeconds, "dispatcher.batchDelaySeconds", 0, false);
  for (const key of Object.keys(METRICS_DEFAULTS) as (keyof MetricsModel)[]) {
    const zeroOk = key === "syncOffsetSeconds" || key === "actuationDelaySeconds";
    finite(metrics[key], `metrics.${key}`, 0, !zeroOk);
  }
  const ratio = metrics.cpuWindowSeconds / metrics.scrapeIntervalSeconds;
  check(
    Math.abs(ratio - Math.round(ratio)) < 1e-9,
    `metrics.cpuWindowSeconds must be a multiple of scrapeIntervalSeconds (${metrics.scrapeIntervalSeconds}): got ${metrics.cpuWindowSeconds}`,
  );
  const minReplicas = config.minReplicas ?? 1;
  const maxReplicas = config.maxReplicas ?? 1000;
  whole(minReplicas, "minReplicas", 0);
  whole(maxReplicas, "maxReplicas", Math.max(1, minReplicas));
  whole(config.initialReplicas, "initialReplicas", 0);
  const sloSeconds = config.sloSeconds ?? 0.5;
  finite(sloSeconds, "sloSeconds", 0, true);
  const arrivalMode = config.arrivalMode ?? "poisson";
  check(
    arrivalMode === "poisson" || arrivalMode === "uniform",
    `arrivalMode must be poisson|uniform: got ${arrivalMode}`,
  );
  const measureFromSecond = config.measureFromSecond ?? 0;
  check(
    Number.isInteger(measureFromSecond) && measureFromSecond >= 0 &&
      measureFromSecond < config.counts.length,
    `measureFromSecond must be a whole number below the run's ${config.counts.length} seconds: got ${measureFromSecond}`,
  );
  if (config.controller.kind === "schedule") {
    check(
      config.controller.pods.length >= config.counts.length,
      `schedule has ${config.controller.pods.length} seconds; the workload has ${config.counts.length}`,
    );
    finite(config.controller.startupSeconds, "schedule startupSeconds", 0, false);
  }
  return {
    counts: config.counts,
    seed: config.seed,
    serviceSeed,
    arrivalMode,
    sloSeconds,
    calibration,
    dispatcher,
    metrics,
    controller: config.controller,
    initialReplicas: config.initialReplicas,
    minReplicas,
    maxReplicas,
    recordSeries: config.recordSeries ?? true,
    measureFromSecond,
  };
}
