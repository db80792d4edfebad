/**
 * The replica's service-time model: how long a batch of `b` images takes, what a busy replica
 * costs in CPU, and how long a new pod takes to become ready. `deno task compare calibrate`
 * writes a {@link Calibration} as JSON (measured on this machine); {@link parseCalibration} reads
 * one back, filling absent fields from {@link K8S_CALIBRATION}. Batch sizes not listed are
 * interpolated linearly (extrapolated from the last two). The file format: lib/sim/README.md.
 *
 * @module
 */
import type { Rng } from "../shared/mod.ts";

/** How a batch's service time is drawn around its mean. */
export type ServiceDistribution = "lognormal" | "exponential" | "deterministic";

/** Service time of one batch size: mean/std, or p50/p95 (fitted as a lognormal). */
export interface BatchTiming {
  /** Images in the batch (≥ 1). */
  size: number;
  /** Mean seconds per batch. */
  meanSeconds?: number;
  /** Standard deviation, seconds (default 10% of the mean). */
  stdSeconds?: number;
  /** Median seconds per batch (with `p95Seconds`, instead of mean/std). */
  p50Seconds?: number;
  /** 95th percentile seconds per batch. */
  p95Seconds?: number;
}

/** Pod startup delay: creation → ready (scheduling, image, model load and warm-up). */
export interface StartupDelay {
  /** `lognormal` (median, sigma), `fixed` (median) or `uniform` (min..max). */
  distribution: "lognormal" | "fixed" | "uniform";
  /** Median seconds (the value itself for `fixed`). */
  medianSeconds: number;
  /** Lognormal shape σ (default 0.3). */
  sigma?: number;
  /** Lower bound, seconds (default 0). */
  minSeconds?: number;
  /** Upper bound, seconds (default unbounded; required for `uniform`). */
  maxSeconds?: number;
}

/**
 * Replicas that share one machine (this one, in `compare --mode live`), unlike pods that each get
 * their own CPU in a cluster. A batch then runs slower while the machine's CPU is oversubscribed:
 * its service time is stretched by max(1, demand / `cores`) at its start, where demand is
 * `threads` × the batches running (this one included) + `startupCores` × the pods starting +
 * `backgroundCores`. A starting replica loading its model thus slows the ones serving.
 */
export interface SharedHost {
  /** CPU cores of the machine. */
  cores: number;
  /** Cores a starting replica keeps busy (model load, warm-up): its CPU seconds / startup. */
  startupCores: number;
  /** Cores the other processes keep busy (dispatcher, load generator, ...). Default 0. */
  backgroundCores?: number;
}

/** A replica's calibration. */
export interface Calibration {
  /** A label for reports. */
  name: string;
  /** Where the numbers come from. */
  source?: string;
  /** Distribution of a batch's service time. */
  serviceDistribution: ServiceDistribution;
  /** Measured batch sizes, at least one. */
  batches: BatchTiming[];
  /** Added to every request's latency, outside the replica's capacity, seconds. */
  requestOverheadSeconds: number;
  /** CPU cores a replica keeps busy while a batch runs. */
  threads: number;
  /**
   * CPU seconds a replica spends per request outside its batches (HTTP, decode, JSON), counted
   * in its CPU usage (HPA's input) but not in its capacity (it overlaps the batches). Default 0.
   */
  requestCpuSeconds?: number;
  /** CPU of an idle replica, millicores. */
  idleCpuMilli: number;
  /** The pod's CPU request, millicores (HPA's denominator). */
  cpuRequestMilli: number;
  /** The pod's CPU limit, millicores (usage is capped here). */
  cpuLimitMilli: number;
  /** Pod startup delay. */
  startup: StartupDelay;
  /** The machine the replicas share; absent: each pod has its own CPU (a cluster). */
  host?: SharedHost;
  /** Measured images/s per thread count (informational). */
  throughputByThreads?: { threads: number; imagesPerSecond: number }[];
}

/**
 * Default for cluster-scale simulation: a Kubernetes pod with a 1-CPU request and limit running
 * the replica on 1 thread. On this machine the native replica with 2 threads takes ~10–20 ms for
 * a batch of 1 and ~72–120 ms for a batch of 8, plus ~7 ms of decode + preprocess per image on
 * the main thread. With one core the model runs ~1.7× slower and decoding competes with it, so a
 * batch of b takes 20 ms + 22.5 ms·b (42.5 ms for 1 image, 200 ms for 8: 23.5 → 40 images/s),
 * lognormal with a 10% coefficient of variation. Startup: lognormal with median 20 s, σ 0.3 (90%
 * between 12 and 33 s; cached image, container start, model load and warm-up), at least 5 s.
 */
export const K8S_CALIBRATION: Readonly<Calibration> = Object.freeze({
  name: "k8s-1cpu",
  source: "scaled from this machine's native 2-thread figures (see K8S_CALIBRATION's doc)",
  serviceDistribution: "lognormal",
  batches: [
    { size: 1, meanSeconds: 0.0425, stdSeconds: 0.00425 },
    { size: 8, meanSeconds: 0.2, stdSeconds: 0.02 },
  ],
  requestOverheadSeconds: 0.002,
  threads: 1,
  requestCpuSeconds: 0, // decode is folded into the batch times
  idleCpuMilli: 5,
  cpuRequestMilli: 1000,
  cpuLimitMilli: 1000,
  startup: { distribution: "lognormal", medianSeconds: 20, sigma: 0.3, minSeconds: 5 },
} as Calibration);

/**
 * This machine's replica as measured (native onnxruntime, 2 threads): 15 ms for 1 image, 96 ms
 * for 8, decode (~7 ms per image) overlapping the model and counted as per-request overhead, 2
 * cores busy while computing (request 2000m). Startup as {@link K8S_CALIBRATION}.
 */
export const LOCAL_CALIBRATION: Readonly<Calibration> = Object.freeze({
  name: "local-native-2t",
  source: "this machine: native onnxruntime 2 threads (inference bench), decode 7 ms/image",
  serviceDistribution: "lognormal",
  batches: [
    { size: 1, meanSeconds: 0.015, stdSeconds: 0.003 },
    { size: 8, meanSeconds: 0.096, stdSeconds: 0.012 },
  ],
  requestOverheadSeconds: 0.009,
  threads: 2,
  requestCpuSeconds: 0,
  idleCpuMilli: 5,
  cpuRequestMilli: 2000,
  cpuLimitMilli: 2000,
  startup: { distribution: "lognormal", medianSeconds: 20, sigma: 0.3, minSeconds: 5 },
} as Calibration);

function positive(value: unknown, name: string, allowZero = false): number {
  const ok = typeof value === "number" && Number.isFinite(value) &&
    (allowZero ? value >= 0 : value > 0);
  if (!ok) {
    const need = allowZero ? "a finite number ≥ 0" : "a finite number > 0";
    throw new RangeError(`calibration ${name} must be ${need}: got ${JSON.stringify(value)}`);
  }
  return value as number;
}

function parseBatch(raw: unknown, i: number): BatchTiming {
  const b = (raw ?? {}) as Record<string, unknown>;
  const name = `batches[${i}]`;
  const size = positive(b.size, `${name}.size`);
  if (!Number.isInteger(size)) throw new RangeError(`calibration ${name}.size must be whole`);
  if (b.meanSeconds !== undefined) {
    const mean = positive(b.meanSeconds, `${name}.meanSeconds`);
    const std = b.stdSeconds === undefined
      ? mean * 0.1
      : positive(b.stdSeconds, `${name}.stdSeconds`, true);
    return { size, meanSeconds: mean, stdSeconds: std };
  }
  const p50 = positive(b.p50Seconds, `${name}.p50Seconds (or meanSeconds)`);
  const p95 = positive(b.p95Seconds, `${name}.p95Seconds`);
  if (p95 < p50) throw new RangeError(`calibration ${name}: p95Seconds ${p95} < p50Seconds ${p50}`);
  const sigma = Math.log(p95 / p50) / 1.6448536;
  const mean = p50 * Math.exp(sigma * sigma / 2);
  return { size, meanSeconds: mean, stdSeconds: mean * Math.sqrt(Math.expm1(sigma * sigma)) };
}

function parseStartup(raw: unknown): StartupDelay {
  if (raw === undefined) return { ...K8S_CALIBRATION.startup };
  const s = raw as Record<string, unknown>;
  const distribution = s.distribution ?? "lognormal";
  if (distribution !== "lognormal" && distribution !== "fixed" && distribution !== "uniform") {
    throw new RangeError(
      `calibration startup.distribution must be lognormal|fixed|uniform: got ${distribution}`,
    );
  }
  const out: StartupDelay = {
    distribution,
    medianSeconds: positive(s.medianSeconds, "startup.medianSeconds", true),
    sigma: s.sigma === undefined ? 0.3 : positive(s.sigma, "startup.sigma", true),
    minSeconds: s.minSeconds === undefined ? 0 : positive(s.minSeconds, "startup.minSeconds", true),
  };
  if (s.maxSeconds !== undefined) out.maxSeconds = positive(s.maxSeconds, "startup.maxSeconds");
  if (distribution === "uniform" && out.maxSeconds === undefined) {
    throw new RangeError("calibration startup.maxSeconds is required for uniform");
  }
  return out;
}

function parseHost(raw: unknown): SharedHost {
  const h = (raw ?? {}) as Record<string, unknown>;
  return {
    cores: positive(h.cores, "host.cores"),
    startupCores: positive(h.startupCores, "host.startupCores", true),
    backgroundCores: h.backgroundCores === undefined
      ? 0
      : positive(h.backgroundCores, "host.backgroundCores", true),
  };
}

/**
 * Validates a calibration (e.g. parsed JSON), filling absent fields from
 * {@link K8S_CALIBRATION}. Throws a RangeError naming the bad field and its value.
 */
export function parseCalibration(value: unknown): Calibration {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RangeError(`calibration must be a JSON object: got ${JSON.stringify(value)}`);
  }
  const v = value as Record<string, unknown>;
  const d = K8S_CALIBRATION;
  if (!Array.isArray(v.batches) || v.batches.length === 0) {
    throw new RangeError(`calibration batches must be a non-empty list: got ${v.batches}`);
  }
  const batches = v.batches.map(parseBatch).sort((a, b) => a.size - b.size);
  const dist = v.serviceDistribution ?? d.serviceDistribution;
  if (dist !== "lognormal" && dist !== "exponential" && dist !== "deterministic") {
    throw new RangeError(
      `calibration serviceDistribution must be lognormal|exponential|deterministic: got ${dist}`,
    );
  }
  const num = (key: keyof Calibration, zero: boolean) =>
    v[key] === undefined ? d[key] as number : positive(v[key], key, zero);
  return {
    name: typeof v.name === "string" ? v.name : "custom",
    ...(typeof v.source === "string" ? { source: v.source } : {}),
    serviceDistribution: dist,
    batches,
    requestOverheadSeconds: num("requestOverheadSeconds", true),
    threads: num("threads", false),
    requestCpuSeconds: v.requestCpuSeconds === undefined
      ? 0
      : positive(v.requestCpuSeconds, "requestCpuSeconds", true),
    idleCpuMilli: num("idleCpuMilli", true),
    cpuRequestMilli: num("cpuRequestMilli", false),
    cpuLimitMilli: num("cpuLimitMilli", false),
    startup: parseStartup(v.startup),
    ...(v.host == null ? {} : { host: parseHost(v.host) }),
    ...(Array.isArray(v.throughputByThreads)
      ? { throughputByThreads: v.throughputByThreads as Calibration["throughputByThreads"] }
      : {}),
  };
}

/**
 * Mean and standard deviation of a batch's service time for sizes 0..maxBatch (index = size;
 * index 0 unused), interpolated between the calibrated sizes.
 */
export function batchMoments(
  calibration: Calibration,
  maxBatch: number,
): { mean: Float64Array; std: Float64Array } {
  const pts = calibration.batches;
  const mean = new Float64Array(maxBatch + 1);
  const std = new Float64Array(maxBatch + 1);
  for (let size = 1; size <= maxBatch; size++) {
    let i = 0;
    while (i < pts.length - 2 && size > pts[i + 1].size) i++;
    const lo = pts[i], hi = pts[Math.min(i + 1, pts.length - 1)];
    const f = hi.size === lo.size ? 0 : (size - lo.size) / (hi.size - lo.size);
    const m = lo.meanSeconds! + f * (hi.meanSeconds! - lo.meanSeconds!);
    const s = lo.stdSeconds! + f * (hi.stdSeconds! - lo.stdSeconds!);
    if (!(m > 0)) {
      throw new RangeError(`calibration gives batch size ${size} a mean of ${m} s (must be > 0)`);
    }
    mean[size] = m;
    std[size] = Math.max(0, s);
  }
  return { mean, std };
}

/** Completions per second of a replica that always runs full batches of `maxBatch`. */
export function saturationRate(calibration: Calibration, maxBatch: number): number {
  return maxBatch / batchMoments(calibration, maxBatch).mean[maxBatch];
}

/**
 * The calibration of a pod that waits `delaySeconds` (e.g. the live actuator's pending delay)
 * before the measured startup: the startup distribution shifted by it, and a shared host's
 * `startupCores` spread over the longer startup (the same CPU seconds per start).
 */
export function withStartupDelay(calibration: Calibration, delaySeconds: number): Calibration {
  if (!(delaySeconds > 0)) return calibration;
  const s = calibration.startup;
  const startup: StartupDelay = {
    ...s,
    medianSeconds: s.medianSeconds + delaySeconds,
    minSeconds: (s.minSeconds ?? 0) + delaySeconds,
    ...(s.maxSeconds === undefined ? {} : { maxSeconds: s.maxSeconds + delaySeconds }),
  };
  const host = calibration.host;
  if (!host) return { ...calibration, startup };
  const mean = startupMeanSeconds(s);
  const share = mean / (mean + delaySeconds);
  return { ...calibration, startup, host: { ...host, startupCores: host.startupCores * share } };
}

/** A sampler of batch service times: `(size) → seconds`, drawn from `rng`. */
export function createServiceSampler(
  calibration: Calibration,
  maxBatch: number,
  rng: Rng,
): (size: number) => number {
  const { mean, std } = batchMoments(calibration, maxBatch);
  switch (calibration.serviceDistribution) {
    case "deterministic":
      return (size) => mean[size];
    case "exponential":
      return (size) => -mean[size] * Math.log(1 - rng.uniform());
    case "lognormal": {
      const mu = new Float64Array(maxBatch + 1), sigma = new Float64Array(maxBatch + 1);
      for (let b = 1; b <= maxBatch; b++) {
        const s2 = Math.log(1 + (std[b] / mean[b]) ** 2);
        sigma[b] = Math.sqrt(s2);
        mu[b] = Math.log(mean[b]) - s2 / 2;
      }
      return (size) => Math.exp(mu[size] + sigma[size] * rng.normal());
    }
  }
}

/** A sampler of pod startup delays in seconds, drawn from `rng`. */
export function createStartupSampler(startup: StartupDelay, rng: Rng): () => number {
  const lo = startup.minSeconds ?? 0, hi = startup.maxSeconds ?? Infinity;
  const bound = (x: number) => Math.min(hi, Math.max(lo, x));
  switch (startup.distribution) {
    case "fixed":
      return () => bound(startup.medianSeconds);
    case "uniform":
      return () => lo + (hi - lo) * rng.uniform();
    case "lognormal": {
      const mu = Math.log(Math.max(startup.medianSeconds, 1e-9)), sigma = startup.sigma ?? 0.3;
      return () => bound(Math.exp(mu + sigma * rng.normal()));
    }
  }
}

/** Mean startup delay in seconds (bounds ignored for the lognormal). */
export function startupMeanSeconds(startup: StartupDelay): number {
  switch (startup.distribution) {
    case "fixed":
      return startup.medianSeconds;
    case "uniform":
      return ((startup.minSeconds ?? 0) + startup.maxSeconds!) / 2;
    case "lognormal":
      return startup.medianSeconds * Math.exp((startup.sigma ?? 0.3) ** 2 / 2);
  }
}
