/**
 * From measurements to a {@link Calibration}: what `deno task compare calibrate` does with the
 * batch timings it measures on the real replica. Pure: the caller measures and writes the file.
 *
 * @module
 */
import {
  type BatchTiming,
  type Calibration,
  K8S_CALIBRATION,
  parseCalibration,
} from "./calibration.ts";

/** Measured service times of one batch size, seconds. */
export interface BatchSamples {
  /** Images per batch. */
  size: number;
  /** One service time per batch run, seconds (at least 2). */
  seconds: readonly number[];
}

/** Mean, standard deviation and the 50th/95th/99th percentiles of `values` (sorted copy). */
export function describeSamples(
  values: readonly number[],
): { mean: number; std: number; p50: number; p95: number; p99: number } {
  if (values.length < 2) {
    throw new RangeError(`need at least 2 samples to describe: got ${values.length}`);
  }
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  const variance = sorted.reduce((a, b) => a + (b - mean) ** 2, 0) / (sorted.length - 1);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { mean, std: Math.sqrt(variance), p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

/**
 * A calibration from measured batch timings: mean and standard deviation per batch size (the
 * simulator draws a lognormal with those moments), other fields from `base` (default
 * {@link K8S_CALIBRATION}). Validated like a file; throws naming the bad batch.
 */
export function calibrationFromSamples(
  samples: readonly BatchSamples[],
  base: Partial<Calibration> = {},
): Calibration {
  if (samples.length === 0) throw new RangeError("calibration needs samples of one batch size");
  const batches: BatchTiming[] = samples.map((s) => {
    for (const x of s.seconds) {
      if (!(x > 0) || !Number.isFinite(x)) {
        throw new RangeError(`batch ${s.size} sample must be a finite number > 0: got ${x}`);
      }
    }
    const d = describeSamples(s.seconds);
    return { size: s.size, meanSeconds: d.mean, stdSeconds: d.std };
  });
  return parseCalibration({ ...K8S_CALIBRATION, name: "measured", ...base, batches });
}

/** What the replica's process CPU counter showed while it answered measured requests. */
export interface CpuMeasurement {
  /** Process CPU seconds over the measurement. */
  cpuSeconds: number;
  /** Requests answered over it. */
  requests: number;
  /** Sum of the service times of the batches they ran in, seconds. */
  batchSeconds: number;
  /** Cores a batch keeps busy. */
  threads: number;
}

/**
 * CPU seconds per request outside the batches (HTTP, decode, JSON): the process CPU beyond
 * `threads` × the batches' time, per request; ≥ 0, and 0 without requests.
 */
export function requestCpuSeconds(m: CpuMeasurement): number {
  if (!(m.requests > 0)) return 0;
  return Math.max(0, (m.cpuSeconds - m.threads * m.batchSeconds) / m.requests);
}

/** What a serving replica showed while another one started beside it on the same machine. */
export interface StartupInterference {
  /** Its batches' median time while the other started, over its median time before. */
  slowdown: number;
  /** The machine's cores. */
  cores: number;
  /** Cores a batch of the serving replica keeps busy. */
  threads: number;
  /** The starting replica's own CPU seconds over its startup time. */
  cpuCores: number;
}

/**
 * The cores a starting replica effectively takes from the others on a shared host: the shared-host
 * model stretches a batch by demand / cores, so the measured slowdown of a serving replica's
 * batches implies a demand of slowdown × cores, of which the serving replica's `threads` are its
 * own. A start can slow the others beyond the CPU it uses (memory, page faults, caches), so this
 * can exceed its own CPU use; it is never less.
 */
export function startupCores(m: StartupInterference): number {
  return Math.max(m.cpuCores, m.slowdown * m.cores - m.threads);
}
