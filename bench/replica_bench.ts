/**
 * Replica figures, side by side in one run, per backend:
 *
 * - saturation throughput over HTTP (closed loop, 16 clients, raw JPEG bodies) against an
 *   in-process loop that decodes, preprocesses and runs the same image in batches of 8 with the
 *   same backend and threads, and the bare `session.run` rate;
 * - median latency at low load (one request at a time) against bare batch-1 inference + decode;
 * - `/healthz` p99 while saturated;
 * - peak RSS while the bad-input set is sent, against the RSS before it.
 *
 * Usage: deno run -A bench/replica_bench.ts [--backends native,wasm] [--seconds 8]
 * Prints one JSON object on its last line.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { imageToTensor, initJpegCodec } from "../lib/image.ts";
import { type BackendKind, IMAGE_FLOATS, loadModel } from "../lib/model.ts";
import { startScript } from "../tests/support/process.ts";
import { median } from "./stats.ts";

const IMAGE = "testdata/images/synthetic_640x480_q90.jpg";
const BATCH = 8;
const THREADS = 2;

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

async function inProcess(backend: BackendKind, jpeg: Uint8Array, seconds: number) {
  const model = await loadModel(await Deno.readFile("models/resnet18.onnx"), {
    backend,
    threads: THREADS,
  });
  const input = new Float32Array(BATCH * IMAGE_FLOATS);
  const decodeMs: number[] = [];
  const single: number[] = [];
  await model.run(input, BATCH);
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    imageToTensor(jpeg, { out: input, offset: 0 });
    decodeMs.push(performance.now() - t0);
    const t1 = performance.now();
    await model.run(input, 1);
    single.push(performance.now() - t1);
  }
  let images = 0, bareMs = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    for (let i = 0; i < BATCH; i++) imageToTensor(jpeg, { out: input, offset: i * IMAGE_FLOATS });
    const t = performance.now();
    await model.run(input, BATCH);
    bareMs += performance.now() - t;
    images += BATCH;
  }
  const elapsed = (performance.now() - start) / 1000;
  await model.release();
  return {
    images_per_s: round(images / elapsed),
    bare_session_run_images_per_s: round(images / (bareMs / 1000)),
    decode_ms_median: round(median(decodeMs)),
    bare_batch1_ms_median: round(median(single)),
  };
}

async function rssKb(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)![1]);
  return { rss: field("VmRSS"), hwm: field("VmHWM") };
}

async function overHttp(backend: BackendKind, jpeg: Uint8Array, seconds: number) {
  const replica = await startScript("replica.ts", [
    "--host=127.0.0.1",
    "--port=0",
    `--backend=${backend}`,
    `--threads=${THREADS}`,
    `--max-batch=${BATCH}`,
    "--batch-delay-ms=2",
    "--queue=256",
  ], { env: {} });
  const predict = async () => {
    const res = await fetch(`${replica.url}/predict`, {
      method: "POST",
      body: jpeg as Uint8Array<ArrayBuffer>,
      headers: { "content-type": "image/jpeg" },
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`predict answered ${res.status}: ${text}`);
    return text;
  };
  // Warm-up: V8 tiers the JPEG decoder and the resampler up over the first few hundred images.
  for (let i = 0; i < 60; i++) await predict();
  // Low load: one request at a time.
  const lowLoad: number[] = [];
  const serverDecode: number[] = [], serverInference: number[] = [];
  for (let i = 0; i < 25; i++) {
    const t = performance.now();
    const answer = JSON.parse(await predict());
    lowLoad.push(performance.now() - t);
    serverDecode.push(answer.timing_ms.decode);
    serverInference.push(answer.timing_ms.inference);
  }
  // Saturation: 16 closed-loop clients, with /healthz probed every 50 ms.
  let done = 0;
  const health: number[] = [];
  const stopAt = performance.now() + seconds * 1000;
  const client = async () => {
    while (performance.now() < stopAt) {
      await predict();
      done++;
    }
  };
  const prober = async () => {
    while (performance.now() < stopAt) {
      const t = performance.now();
      await (await fetch(`${replica.url}/healthz`)).arrayBuffer();
      health.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const start = performance.now();
  await Promise.all([...Array.from({ length: 16 }, client), prober()]);
  const throughput = done / ((performance.now() - start) / 1000);
  // Bad inputs: RSS sampled every 5 ms while the whole set is sent 5 times.
  const pid = replica.child.pid;
  const before = (await rssKb(pid)).rss;
  let peak = before, sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, (await rssKb(pid)).rss);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const bad = [];
  for (const entry of Deno.readDirSync("testdata/bad_inputs")) {
    if (entry.name !== "README.md") {
      bad.push(await Deno.readFile(`testdata/bad_inputs/${entry.name}`));
    }
  }
  const statuses = new Set<number>();
  for (let round = 0; round < 5; round++) {
    for (const body of bad) {
      const res = await fetch(`${replica.url}/predict`, {
        method: "POST",
        body: body as Uint8Array<ArrayBuffer>,
      });
      await res.arrayBuffer();
      statuses.add(res.status);
    }
  }
  sampling = false;
  await sampler;
  await replica.stop();
  return {
    http_images_per_s: round(throughput),
    low_load_latency_ms_median: round(median(lowLoad)),
    // The replica's own timings of those requests (its `timing_ms`): where the time went.
    low_load_server_decode_ms_median: round(median(serverDecode)),
    low_load_server_inference_ms_median: round(median(serverInference)),
    healthz_p99_ms_saturated: round(percentile(health, 99)),
    healthz_samples: health.length,
    bad_input_statuses: [...statuses].sort(),
    rss_before_bad_inputs_mb: round(before / 1024),
    rss_peak_during_bad_inputs_mb: round(peak / 1024),
    rss_ratio: round(peak / before),
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      backends: { type: "string", default: "native,wasm" },
      seconds: { type: "string", default: "8" },
    },
  });
  await initJpegCodec();
  const jpeg = await Deno.readFile(IMAGE);
  const seconds = Number(values.seconds);
  const results = [];
  for (const backend of values.backends!.split(",") as BackendKind[]) {
    const local = await inProcess(backend, jpeg, seconds);
    const http = await overHttp(backend, jpeg, seconds);
    results.push({
      backend,
      threads: THREADS,
      max_batch: BATCH,
      ...local,
      ...http,
      http_over_in_process: round(http.http_images_per_s / local.images_per_s),
      low_load_budget_ms: round(local.bare_batch1_ms_median + local.decode_ms_median + 3),
    });
    console.error(JSON.stringify(results.at(-1)));
  }
  console.log(JSON.stringify({ image: IMAGE, runs: results }));
  Deno.exit(0);
}
