/**
 * `compare calibrate`: measures the real replica on this machine and writes a simulator
 * {@link Calibration}: startup time and CPU, batch service times from bursts of 1 + b requests
 * (filed under the batch size the replica reports), the per-request overhead and CPU outside
 * batches, closed-loop throughput per thread count (batch times scaled up to it), and how much a
 * starting replica slows a serving one on this shared host. The method: lib/compare/README.md.
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

/** The measured replica's settings. */
interface Setup {
  /** Replica backend. */
  backend: "native" | "wasm";
  /** Threads of the measured replica. */
  threads: number;
  /** Batches per size. */
  rounds: number;
  /** The image every request sends. */
  body: Uint8Array;
  /** Progress lines. */
  log: (line: string) => void;
}

/** What the bursts against one replica measured. */
interface Bursts {
  /** Batch service times by the batch size the requests reported. */
  bySize: Map<number, number[]>;
  /** Decode + preprocess times of every request, seconds. */
  decode: number[];
  /** CPU seconds per request outside its batch. */
  requestCpu: number;
}

/** Measures the replica (see lib/compare/README.md) and returns the calibration. */
export async function measureCalibration(options: CalibrateOptions = {}): Promise<Calibration> {
  const setup: Setup = {
    backend: options.backend ?? "native",
    threads: options.threads ?? 1,
    rounds: options.rounds ?? 30,
    body: syntheticJpeg(224, 224, createRng(1)),
    log: options.progress ?? (() => {}),
  };
  const { backend, threads, log } = setup;
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
  let hostStartupCores = startupCpuCores;
  let bursts: Bursts;
  try {
    bursts = await measureBursts(replica.url, setup, options.batchSizes ?? [1, 2, 4, 8]);
    if (options.startupInterference !== false) {
      hostStartupCores = await measureStartupCores(replica.url, setup, startupCpuCores);
    }
  } finally {
    await replica.stop();
  }
  const samples = batchSamples(bursts.bySize, log);
  const perThreads = await measureThroughputs(
    setup,
    options.throughputThreads ?? [1, 2],
    options.throughputSeconds ?? 5,
  );
  return fitCalibration(setup, { bursts, samples, perThreads, startupSeconds, hostStartupCores });
}

/**
 * Bursts of one request and right behind it b more, `rounds` times per batch size b: the batch
 * times by reported size, every request's decode time, and the CPU per request outside batches.
 */
async function measureBursts(url: string, setup: Setup, sizes: number[]): Promise<Bursts> {
  const { body, rounds, log } = setup;
  const bySize = new Map<number, number[]>();
  const decode: number[] = [];
  for (let i = 0; i < 5; i++) await predict(url, body); // warm
  const cpuBefore = await cpuSeconds(url);
  let requests = 0, batchSeconds = 0;
  for (const size of sizes) {
    for (let r = 0; r < rounds; r++) {
      const leader = predict(url, body);
      const rest = size === 1 ? [] : Array.from({ length: size }, () => predict(url, body));
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
  const cpu = (await cpuSeconds(url)) - cpuBefore;
  const threads = setup.threads;
  const requestCpu = requestCpuSeconds({ cpuSeconds: cpu, requests, batchSeconds, threads });
  log(`calibrate: ${(requestCpu * 1000).toFixed(1)} ms CPU per request outside its batch`);
  return { bySize, decode, requestCpu };
}

/** The cores a replica starting beside the measured one effectively takes on this host. */
async function measureStartupCores(url: string, setup: Setup, cpuCores: number): Promise<number> {
  const { backend, threads } = setup;
  const cores = navigator.hardwareConcurrency;
  const slowdown = await startupSlowdown(url, setup.body, replicaArgs(backend, threads));
  const startup = startupCores({ slowdown, cores, threads, cpuCores });
  setup.log(
    `calibrate: a replica starting beside it slows its batches ×${slowdown.toFixed(2)}:` +
      ` ${startup.toFixed(2)} cores on this ${cores}-core host`,
  );
  return startup;
}

/** The batch sizes seen at least twice, in order, with their times (logged). */
function batchSamples(
  bySize: Map<number, number[]>,
  log: (line: string) => void,
): BatchSamples[] {
  const samples: BatchSamples[] = [...bySize].filter(([, s]) => s.length >= 2)
    .sort(([a], [b]) => a - b).map(([size, seconds]) => ({ size, seconds }));
  for (const { size, seconds } of samples) {
    const mean = seconds.reduce((a, b) => a + b, 0) / seconds.length;
    log(`calibrate: batch ${size}: mean ${(mean * 1000).toFixed(1)} ms over ${seconds.length}`);
  }
  return samples;
}

/** Closed-loop images per second of a fresh replica per thread count. */
async function measureThroughputs(
  setup: Setup,
  threadCounts: number[],
  seconds: number,
): Promise<{ threads: number; imagesPerSecond: number }[]> {
  const perThreads: { threads: number; imagesPerSecond: number }[] = [];
  for (const t of threadCounts) {
    const args = replicaArgs(setup.backend, t);
    const r = await startScript("replica.ts", args, { timeoutMs: 120_000 });
    try {
      for (let i = 0; i < 5; i++) await predict(r.url, setup.body);
      const ips = await throughput(r.url, setup.body, seconds);
      perThreads.push({ threads: t, imagesPerSecond: Math.round(ips * 10) / 10 });
      setup.log(`calibrate: ${t} thread(s): ${ips.toFixed(1)} images/s`);
    } finally {
      await r.stop();
    }
  }
  return perThreads;
}

/** The calibration from the measurements, batch times scaled to the closed-loop throughput. */
function fitCalibration(
  setup: Setup,
  m: {
    bursts: Bursts;
    samples: BatchSamples[];
    perThreads: { threads: number; imagesPerSecond: number }[];
    startupSeconds: number;
    hostStartupCores: number;
  },
): Calibration {
  const { backend, threads, rounds, log } = setup;
  const decode = m.bursts.decode;
  decode.sort((a, b) => a - b);
  const overhead = decode[Math.floor(decode.length / 2)] ?? 0;
  const measured = m.perThreads.find((p) => p.threads === threads)?.imagesPerSecond;
  const factor = throughputFactor(m.samples, measured);
  if (factor > 1) {
    log(`calibrate: batch times × ${factor.toFixed(2)} to match ${measured} images/s end to end`);
  }
  const scaled = m.samples.map((s) => ({
    size: s.size,
    seconds: s.seconds.map((x) => x * factor),
  }));
  return calibrationFromSamples(scaled, {
    name: `measured-${backend}-${threads}t`,
    source: `compare calibrate on this machine, ${new Date().toISOString()}: ${backend} ` +
      `onnxruntime, ${threads} thread(s), ${rounds} batches per size, 224x224 JPEG` +
      (factor > 1 ? `; batch times × ${factor.toFixed(2)} to the closed-loop throughput` : ""),
    requestOverheadSeconds: overhead,
    threads,
    requestCpuSeconds: m.bursts.requestCpu,
    cpuRequestMilli: 1000 * threads,
    cpuLimitMilli: 1000 * threads,
    startup: {
      distribution: "lognormal",
      medianSeconds: Math.max(0.5, m.startupSeconds),
      sigma: 0.2,
      minSeconds: Math.max(0.1, m.startupSeconds / 2),
    },
    host: {
      cores: navigator.hardwareConcurrency,
      startupCores: m.hostStartupCores,
      backgroundCores: 0,
    },
    ...(m.perThreads.length ? { throughputByThreads: m.perThreads } : {}),
  });
}
