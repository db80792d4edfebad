/**
 * Decode + preprocess timing per image file: `imageToTensor` from file bytes to the 3 × 224 × 224
 * tensor, into a reused buffer, after warm-up runs (the JPEG wasm and the JS resampler only reach
 * full speed once V8 has optimised them, as they are in a serving replica).
 *
 * `deno run -A bench/image_bench.ts [--iterations N] [FILE ...]` prints one JSON line with a
 * `runs` table (the bench runner's `preprocess` section); `deno bench -A bench/image_bench.ts`
 * runs the same files as Deno benchmarks.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { imageToTensor, TENSOR_FLOATS } from "../lib/image/mod.ts";
import { median } from "../lib/shared/mod.ts";

/** Timing of one file. */
export interface ImageBenchResult {
  /** The file as given. */
  file: string;
  /** Image width. */
  width: number;
  /** Image height. */
  height: number;
  /** Pillow mode of the file. */
  mode: string;
  /** Median decode + preprocess milliseconds. */
  median_ms: number;
  /** Median of the decode part alone. */
  decode_median_ms: number;
  /** Median of resize + crop + normalise alone. */
  preprocess_median_ms: number;
  /** Fastest run. */
  min_ms: number;
  /** Timed runs (warm-up runs excluded). */
  iterations: number;
}

/** Files measured by default: the acceptance images plus the golden set's other kinds. */
export const DEFAULT_BENCH_FILES: readonly string[] = [
  "testdata/images/synthetic_640x480_q90.jpg",
  "testdata/images/chelsea.png",
  "testdata/images/synthetic_4000x3000_q85.jpg",
  "testdata/images/rocket.jpg",
  "testdata/images/synthetic_800x600_progressive.jpg",
  "testdata/images/synthetic_1024x768_gray.jpg",
  "testdata/images/astronaut.png",
];

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Untimed runs before timing. */
export interface WarmupOptions {
  /**
   * Milliseconds spent cycling through all the files before timing any, at least; default 5000.
   * V8 tiers the JPEG wasm and the resampler up to optimised code only after a few hundred
   * images, as a serving replica's first few seconds would.
   */
  warmupMs?: number;
  /** Untimed runs of each file just before timing it; default 10. */
  warmup?: number;
}

/**
 * Median milliseconds of decode + preprocess for each file, over `iterations` timed runs after
 * untimed warm-up runs (see {@link WarmupOptions}).
 */
export async function benchImages(
  files: string[],
  iterations: number,
  options: WarmupOptions = {},
): Promise<ImageBenchResult[]> {
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new RangeError(`iterations must be a positive integer: got ${iterations}`);
  }
  const { warmup = 10, warmupMs = 5000 } = options;
  const out = new Float32Array(TENSOR_FLOATS);
  const inputs = await Promise.all(files.map((f) => Deno.readFile(f)));
  const warmStart = performance.now();
  while (performance.now() - warmStart < warmupMs) {
    for (const bytes of inputs) imageToTensor(bytes, { out });
  }
  const results: ImageBenchResult[] = [];
  for (const [index, file] of files.entries()) {
    const bytes = inputs[index];
    for (let i = 0; i < warmup; i++) imageToTensor(bytes, { out });
    const total: number[] = [], decode: number[] = [], pre: number[] = [];
    let last;
    for (let i = 0; i < iterations; i++) {
      const start = performance.now();
      last = imageToTensor(bytes, { out });
      total.push(performance.now() - start);
      decode.push(last.timings.decodeMs);
      pre.push(last.timings.preprocessMs);
    }
    results.push({
      file,
      width: last!.width,
      height: last!.height,
      mode: last!.mode,
      median_ms: round(median(total)),
      decode_median_ms: round(median(decode)),
      preprocess_median_ms: round(median(pre)),
      min_ms: round(Math.min(...total)),
      iterations,
    });
  }
  return results;
}

for (const file of DEFAULT_BENCH_FILES) {
  Deno.bench(file.slice(file.lastIndexOf("/") + 1), { group: "imageToTensor" }, async (b) => {
    const bytes = await Deno.readFile(file);
    b.start();
    imageToTensor(bytes);
    b.end();
  });
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: { iterations: { type: "string", default: "40" } },
  });
  const iterations = Number(values.iterations);
  const files = positionals.length ? positionals : [...DEFAULT_BENCH_FILES];
  const runs = await benchImages(files, iterations);
  console.log(JSON.stringify({ runs, iterations }));
}
