/**
 * `compare calibrate`: measures the real replica on this machine and writes a simulator
 * {@link Calibration}. One replica process (the backend and threads the live runs use) is started
 * and timed to ready (startup), then for each batch size b, `rounds` times, one request and right
 * behind it b more are sent at once: the first finds the model idle and runs alone, and the b
 * others queue behind it and run as one batch. Each batch's service time is the
 * `timing_ms.inference` its requests report, filed under the `batch_size` they report (not the
 * size asked for: a burst of b requests sent to an idle replica runs as 1 + (b − 1)); the
 * per-request overhead is the median decode + preprocess time. Throughput per thread count is a
 * closed loop of 16 clients for a few seconds against a replica with that many threads; when it
 * is below what the largest batch's inference time implies (decode, HTTP and JSON on the
 * replica's main thread, and on a small machine the other processes), every batch time is scaled
 * up to match it, so the simulated replica saturates where the real one does.
 *
 * The replica's `process_cpu_seconds_total` gives two more figures: the CPU it spends per request
 * outside its batches (read before and after the bursts: HPA's input counts it), and the cores it
 * keeps busy while starting (its CPU seconds at ready over the startup time). With the machine's
 * core count they describe a shared host (`host`): the replicas of a live run share this machine,
 * and a starting one slows those serving. By how much is measured too: a serial loop of requests
 * runs against the replica before and while a second one starts beside it, and the slowdown of its
 * batches gives the cores a start effectively takes (`startupCores`).
 *
 * @module
 */
import {
  type BatchSamples,
  type Calibration,
  calibrationFromSamples,
  requestCpuSeconds,
  startupCores,
} from "../sim/mod.ts";
import { createRng, median, startScript } from "../shared/mod.ts";
import { syntheticJpeg } from "../image/mod.ts";
import { scrapeTarget } from "../metrics/mod.ts";
import { setTimeout as delay } from "node:timers/promises";

/** Options of {@link measureCalibration}. */
export interface CalibrateOptions {
  /** Replica backend (default native). */
  backend?: "native" | "wasm";
  /** Threads of the measured replica (default 1). */
  threads?: number;
  /** Batch sizes measured (default 1, 2, 4, 8). */
  batchSizes?: number[];
  /** Batches per size (default 30). */
  rounds?: number;
  /** Thread counts of the throughput measurement (default 1, 2; [] for none). */
  throughputThreads?: number[];
  /** Seconds per throughput measurement (default 5). */
  throughputSeconds?: number;
  /** Measure how much a starting replica slows a serving one (default true). */
  startupInterference?: boolean;
  /** Progress lines. */
  progress?: (line: string) => void;
}

/** One answer's timings and batch. */
export interface Timed {
  inferenceMs: number;
  decodeMs: number;
  batchSize: number;
}

async function predict(url: string, body: Uint8Array): Promise<Timed> {
  const res = await fetch(`${url}/predict`, {
    method: "POST",
    headers: { "content-type": "image/jpeg" },
    body: body as Uint8Array<ArrayBuffer>,
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`replica answered ${res.status}: ${JSON.stringify(json)}`);
  return {
    inferenceMs: json.timing_ms.inference,
    decodeMs: json.timing_ms.decode,
    batchSize: json.batch_size,
  };
}

function replicaArgs(backend: string, threads: number): string[] {
  return ["--host", "127.0.0.1", "--port", "0", "--backend", backend, "--threads", String(threads)];
}

/** Images per second of a closed loop of `clients` against the replica for `seconds`. */
async function throughput(url: string, body: Uint8Array, seconds: number, clients = 16) {
  const until = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < until) {
      await predict(url, body);
      done++;
    }
  }));
  return done / seconds;
}

/** Batch-1 inference times (seconds) of a serial loop of requests to `url` until `stop` settles. */
async function serialInference(url: string, body: Uint8Array, stop: Promise<unknown>) {
  let stopped = false;
  stop.then(() => stopped = true, () => stopped = true);
  const out: number[] = [];
  while (!stopped) out.push((await predict(url, body)).inferenceMs / 1000);
  return out;
}

/**
 * How much a replica starting beside the one at `url` slows its batches: the median batch-1
 * inference time of a serial loop while a second replica starts, over the median of the same
 * loop for `baselineMs` before. The second replica is stopped afterwards.
 */
async function startupSlowdown(
  url: string,
  body: Uint8Array,
  args: string[],
  baselineMs = 2000,
): Promise<number> {
  const before = await serialInference(url, body, delay(baselineMs));
  const starting = startScript("replica.ts", args, { timeoutMs: 120_000 });
  const during = await serialInference(url, body, starting);
  await (await starting).stop();
  return median(during) / median(before);
}

/** The replica's process CPU seconds, from its metrics. */
async function cpuSeconds(url: string): Promise<number> {
  const samples = await scrapeTarget(url, { timeoutMs: 5000 });
  const v = samples.find((s) => s.name === "process_cpu_seconds_total")?.value;
  if (v === undefined) throw new Error(`${url}/metrics has no process_cpu_seconds_total`);
  return v;
}

/**
 * One service time per batch the requests ran in, by the batch size they report: requests of one
 * batch report the same size and inference time, so each (size, time) pair is one batch — and a
 * size seen k × n times with one time is n batches of that time.
 */
export function batchTimes(results: readonly Timed[]): [number, number][] {
  const counts = new Map<string, number>();
  for (const r of results) {
    const key = `${r.batchSize}:${r.inferenceMs}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const out: [number, number][] = [];
  for (const [key, n] of counts) {
    const [size, ms] = key.split(":").map(Number);
    for (let i = 0; i < Math.max(1, Math.round(n / size)); i++) out.push([size, ms / 1000]);
  }
  return out;
}

/**
 * How much slower the replica is end to end than its batch inference times imply: the largest
 * batch's images per second over the measured closed-loop throughput (decode, HTTP and the
 * other processes on the machine included), at least 1; 1 when no throughput was measured.
 */
export function throughputFactor(
  samples: readonly BatchSamples[],
  imagesPerSecond: number | undefined,
): number {
  if (!imagesPerSecond || samples.length === 0) return 1;
  const largest = samples.reduce((a, b) => (b.size > a.size ? b : a));
  const mean = largest.seconds.reduce((a, b) => a + b, 0) / largest.seconds.length;
  return Math.max(1, largest.size / mean / imagesPerSecond);
}

/** Measures the replica (see the module doc) and returns the calibration. */
export async function measureCalibration(options: CalibrateOptions = {}): Promise<Calibration> {
  const backend = options.backend ?? "native", threads = options.threads ?? 1;
  const sizes = options.batchSizes ?? [1, 2, 4, 8];
  const rounds = options.rounds ?? 30;
  const log = options.progress ?? (() => {});
  const body = syntheticJpeg(224, 224, createRng(1));
  const t0 = performance.now();
  const replica = await startScript("replica.ts", replicaArgs(backend, threads), {
    timeoutMs: 120_000,
  });
  const startupSeconds = (performance.now() - t0) / 1000;
  const startupCpuCores = (await cpuSeconds(replica.url)) / startupSeconds;
  log(
    `calibrate: replica (${backend}, ${threads} thread) ready in ${startupSeconds.toFixed(1)} s` +
      ` using ${startupCpuCores.toFixed(2)} cores`,
  );
  const cores = navigator.hardwareConcurrency;
  let hostStartupCores = startupCpuCores;
  const bySize = new Map<number, number[]>();
  const decode: number[] = [];
  let requestCpu = 0;
  try {
    for (let i = 0; i < 5; i++) await predict(replica.url, body); // warm
    const cpuBefore = await cpuSeconds(replica.url);
    let requests = 0, batchSeconds = 0;
    for (const size of sizes) {
      for (let r = 0; r < rounds; r++) {
        const leader = predict(replica.url, body);
        const rest = size === 1
          ? []
          : Array.from({ length: size }, () => predict(replica.url, body));
        const results = await Promise.all([leader, ...rest]);
        requests += results.length;
        decode.push(...results.map((x) => x.decodeMs / 1000));
        for (const [batchSize, seconds] of batchTimes(results)) {
          batchSeconds += seconds;
          if (!bySize.has(batchSize)) bySize.set(batchSize, []);
          bySize.get(batchSize)!.push(seconds);
        }
      }
      log(`calibrate: bursts of 1 + ${size === 1 ? 0 : size}: ${rounds} rounds`);
    }
    const cpu = (await cpuSeconds(replica.url)) - cpuBefore;
    requestCpu = requestCpuSeconds({ cpuSeconds: cpu, requests, batchSeconds, threads });
    log(`calibrate: ${(requestCpu * 1000).toFixed(1)} ms CPU per request outside its batch`);
    if (options.startupInterference !== false) {
      const slowdown = await startupSlowdown(replica.url, body, replicaArgs(backend, threads));
      hostStartupCores = startupCores({ slowdown, cores, threads, cpuCores: startupCpuCores });
      log(
        `calibrate: a replica starting beside it slows its batches ×${slowdown.toFixed(2)}:` +
          ` ${hostStartupCores.toFixed(2)} cores on this ${cores}-core host`,
      );
    }
  } finally {
    await replica.stop();
  }
  const samples: BatchSamples[] = [...bySize].filter(([, s]) => s.length >= 2)
    .sort(([a], [b]) => a - b).map(([size, seconds]) => ({ size, seconds }));
  for (const { size, seconds } of samples) {
    const mean = seconds.reduce((a, b) => a + b, 0) / seconds.length;
    log(`calibrate: batch ${size}: mean ${(mean * 1000).toFixed(1)} ms over ${seconds.length}`);
  }
  const perThreads: { threads: number; imagesPerSecond: number }[] = [];
  for (const t of options.throughputThreads ?? [1, 2]) {
    const r = await startScript("replica.ts", replicaArgs(backend, t), { timeoutMs: 120_000 });
    try {
      for (let i = 0; i < 5; i++) await predict(r.url, body);
      const ips = await throughput(r.url, body, options.throughputSeconds ?? 5);
      perThreads.push({ threads: t, imagesPerSecond: Math.round(ips * 10) / 10 });
      log(`calibrate: ${t} thread(s): ${ips.toFixed(1)} images/s`);
    } finally {
      await r.stop();
    }
  }
  decode.sort((a, b) => a - b);
  const overhead = decode[Math.floor(decode.length / 2)] ?? 0;
  const measured = perThreads.find((p) => p.threads === threads)?.imagesPerSecond;
  const factor = throughputFactor(samples, measured);
  if (factor > 1) {
    log(`calibrate: batch times × ${factor.toFixed(2)} to match ${measured} images/s end to end`);
  }
  const scaled = samples.map((s) => ({ size: s.size, seconds: s.seconds.map((x) => x * factor) }));
  return calibrationFromSamples(scaled, {
    name: `measured-${backend}-${threads}t`,
    source: `compare calibrate on this machine, ${new Date().toISOString()}: ${backend} ` +
      `onnxruntime, ${threads} thread(s), ${rounds} batches per size, 224x224 JPEG` +
      (factor > 1 ? `; batch times × ${factor.toFixed(2)} to the closed-loop throughput` : ""),
    requestOverheadSeconds: overhead,
    threads,
    requestCpuSeconds: requestCpu,
    cpuRequestMilli: 1000 * threads,
    cpuLimitMilli: 1000 * threads,
    startup: {
      distribution: "lognormal",
      medianSeconds: Math.max(0.5, startupSeconds),
      sigma: 0.2,
      minSeconds: Math.max(0.1, startupSeconds / 2),
    },
    host: { cores, startupCores: hostStartupCores, backgroundCores: 0 },
    ...(perThreads.length ? { throughputByThreads: perThreads } : {}),
  });
}
