/**
 * Replica figures, side by side in one run, per backend:
 *
 * - saturation throughput over HTTP (closed loop, 16 clients on keep-alive connections of
 *   lib/http1/client.ts, the load tester's client; raw JPEG bodies) against an
 *   in-process loop that decodes, preprocesses and runs the same image in batches of 8 with the
 *   same backend and threads, and the bare `session.run` rate;
 * - median latency at low load (one request at a time) against bare batch-1 inference + decode;
 * - `/healthz` p99 while saturated;
 * - peak RSS while the bad-input set is sent, against the RSS before it.
 *
 * The VMs this runs on change speed by up to 2× from one minute to the next, so the two sides are
 * measured interleaved: the low-load requests alternate with in-process decode + batch-1 runs, and
 * saturation alternates `--rounds` in-process and HTTP periods; the ratio reported is the median
 * of the rounds' ratios.
 *
 * Usage: deno run -A bench/replica_bench.ts [--backends native,wasm] [--seconds 4] [--rounds 3]
 * Prints one JSON object on its last line.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { imageToTensor, initJpegCodec } from "../lib/image/mod.ts";
import { Http1Client } from "../lib/http1/mod.ts";
import { type BackendKind, IMAGE_FLOATS, loadModel } from "../lib/model/mod.ts";
import { startScript } from "../tests/support/process.ts";
import { median } from "../lib/shared/mod.ts";

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

async function rssKb(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)![1]);
  return { rss: field("VmRSS"), hwm: field("VmHWM") };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The in-process side: decode + preprocess + `session.run` with no HTTP. */
async function localModel(backend: BackendKind) {
  const model = await loadModel(await Deno.readFile("models/resnet18.onnx"), {
    backend,
    threads: THREADS,
  });
  const input = new Float32Array(BATCH * IMAGE_FLOATS);
  await model.run(input, BATCH);
  return {
    /** One image decoded into the batch buffer, then run alone: [decode ms, run ms]. */
    async single(jpeg: Uint8Array): Promise<[number, number]> {
      const t0 = performance.now();
      imageToTensor(jpeg, { out: input, offset: 0 });
      const t1 = performance.now();
      await model.run(input, 1);
      return [t1 - t0, performance.now() - t1];
    },
    /** Full batches back to back for `seconds`: images/s, and images/s of `session.run` alone. */
    async saturate(jpeg: Uint8Array, seconds: number) {
      let images = 0, bareMs = 0;
      const start = performance.now();
      while (performance.now() - start < seconds * 1000) {
        for (let i = 0; i < BATCH; i++) {
          imageToTensor(jpeg, { out: input, offset: i * IMAGE_FLOATS });
        }
        const t = performance.now();
        await model.run(input, BATCH);
        bareMs += performance.now() - t;
        images += BATCH;
      }
      return {
        imagesPerS: images / ((performance.now() - start) / 1000),
        bareImagesPerS: images / (bareMs / 1000),
      };
    },
    release: () => model.release(),
  };
}

async function measure(backend: BackendKind, jpeg: Uint8Array, seconds: number, rounds: number) {
  const local = await localModel(backend);
  const replica = await startScript("replica.ts", [
    "--host=127.0.0.1",
    "--port=0",
    `--backend=${backend}`,
    `--threads=${THREADS}`,
    `--max-batch=${BATCH}`,
    "--batch-delay-ms=2",
    "--queue=256",
  ], { env: {} });
  // The load tester's keep-alive client (lib/http1/client.ts): up to 1 ms less per request than fetch here.
  const client = new Http1Client({ keepHeaders: [] });
  const predict = async () => {
    const res = await client.request(replica.url, {
      method: "POST",
      path: "/predict",
      headers: { "content-type": "image/jpeg" },
      body: jpeg,
    });
    const text = new TextDecoder().decode(res.body);
    if (res.status !== 200) throw new Error(`predict answered ${res.status}: ${text}`);
    return text;
  };
  // Warm-up: V8 tiers the JPEG decoder and the resampler up over the first few hundred images.
  for (let i = 0; i < 60; i++) await predict();
  for (let i = 0; i < 10; i++) await local.single(jpeg);

  // Low load: one request at a time, each followed by the same image decoded and run in-process.
  const lowLoad: number[] = [], decodeMs: number[] = [], single: number[] = [];
  const serverDecode: number[] = [], serverInference: number[] = [];
  for (let i = 0; i < 25; i++) {
    const t = performance.now();
    const answer = JSON.parse(await predict());
    lowLoad.push(performance.now() - t);
    serverDecode.push(answer.timing_ms.decode);
    serverInference.push(answer.timing_ms.inference);
    const [d, r] = await local.single(jpeg);
    decodeMs.push(d);
    single.push(r);
  }

  // Saturation: rounds of the in-process loop, then 16 closed-loop HTTP clients with /healthz
  // probed every 50 ms.
  const health: number[] = [];
  const ratios: number[] = [], localRates: number[] = [], bareRates: number[] = [];
  const httpRates: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const inProcess = await local.saturate(jpeg, seconds);
    let done = 0;
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
        await sleep(50);
      }
    };
    const start = performance.now();
    await Promise.all([...Array.from({ length: 16 }, client), prober()]);
    const http = done / ((performance.now() - start) / 1000);
    localRates.push(inProcess.imagesPerS);
    bareRates.push(inProcess.bareImagesPerS);
    httpRates.push(http);
    ratios.push(http / inProcess.imagesPerS);
  }
  await local.release();

  // Bad inputs: RSS sampled every 5 ms while the whole set is sent 5 times.
  const pid = replica.child.pid;
  const before = (await rssKb(pid)).rss;
  let peak = before, sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, (await rssKb(pid)).rss);
      await sleep(5);
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
  client.close();
  await replica.stop();
  const lowLoadMedian = median(lowLoad);
  const budget = median(single) + median(decodeMs) + 3;
  return {
    images_per_s: round(median(localRates)),
    bare_session_run_images_per_s: round(median(bareRates)),
    http_images_per_s: round(median(httpRates)),
    http_over_in_process: round(median(ratios)),
    http_over_in_process_rounds: ratios.map(round),
    decode_ms_median: round(median(decodeMs)),
    bare_batch1_ms_median: round(median(single)),
    low_load_latency_ms_median: round(lowLoadMedian),
    // The replica's own timings of those requests (its `timing_ms`): where the time went.
    low_load_server_decode_ms_median: round(median(serverDecode)),
    low_load_server_inference_ms_median: round(median(serverInference)),
    low_load_budget_ms: round(budget),
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
      seconds: { type: "string", default: "4" },
      rounds: { type: "string", default: "3" },
    },
  });
  await initJpegCodec();
  const jpeg = await Deno.readFile(IMAGE);
  const results = [];
  for (const backend of values.backends!.split(",") as BackendKind[]) {
    const figures = await measure(backend, jpeg, Number(values.seconds), Number(values.rounds));
    results.push({ backend, threads: THREADS, max_batch: BATCH, ...figures });
    console.error(JSON.stringify(results.at(-1)));
  }
  console.log(JSON.stringify({ image: IMAGE, runs: results }));
  Deno.exit(0);
}
