/**
 * Everything a load test builds before its clock starts: the workload's rate series, its whole
 * requests per second and seeded arrival schedule, the images and their request bodies, and the
 * HTTP sender. Input that cannot be read or planned is a {@link UsageError}.
 *
 * @module
 */
import { createRng, UsageError } from "../shared/mod.ts";
import {
  buildSchedule,
  parseTrace,
  planWorkload,
  type RateSeries,
  shapeRates,
} from "../workload/mod.ts";
import type { LoadOptions } from "./options.ts";
import { buildPayload, type Image, pickPayloads, readImageDir, syntheticImage } from "./payload.ts";
import { createHttpSender, type Sender } from "./sender.ts";

/** Synthetic images generated per run (picked per request like `--images`). */
const SYNTHETIC_COUNT = 4;

/** A run ready to start. */
export interface PreparedRun {
  /** Whole requests per second of the workload. */
  counts: number[];
  /** Send times (seconds from the start), sorted. */
  schedule: Float64Array;
  /** The images sent (none: requests carry no body). */
  images: Image[];
  /** Sends request i with its picked payload. */
  sender: Sender;
}

/** Builds the rate series of the options' workload source (reads the trace file). */
export async function loadSeries(opts: LoadOptions): Promise<RateSeries> {
  const w = opts.workload;
  if (w.kind === "list") return { stepSeconds: 1, rates: w.rates };
  if (w.kind === "shape") {
    const seconds = opts.durationSeconds ?? 60;
    return { stepSeconds: 1, rates: shapeRates(w.spec, seconds, createRng(opts.seed ^ 0x5eed)) };
  }
  let text: string;
  try {
    text = await Deno.readTextFile(w.path);
  } catch (e) {
    throw new UsageError(`--trace ${w.path}: cannot read: ${(e as Error).message}`);
  }
  try {
    return parseTrace(text, { values: w.values });
  } catch (e) {
    throw new UsageError(`--trace ${w.path}: ${(e as Error).message}`);
  }
}

/** The images of `--images`, or seeded synthetic ones, or none (`--no-body`). */
export async function loadImages(opts: LoadOptions): Promise<Image[]> {
  if (opts.imagesDir) {
    try {
      return await readImageDir(opts.imagesDir);
    } catch (e) {
      throw new UsageError(`--images ${opts.imagesDir}: ${(e as Error).message}`);
    }
  }
  if (!opts.synthetic) return [];
  const rng = createRng((opts.seed + 1) >>> 0);
  const { width, height } = opts.synthetic;
  return Array.from(
    { length: SYNTHETIC_COUNT },
    (_, i) => syntheticImage(width, height, rng, `synthetic_${i}_${width}x${height}.jpg`),
  );
}

/** The workload's requests per second; a plan that fails is a usage error. */
function planCounts(series: RateSeries, opts: LoadOptions): number[] {
  try {
    return planWorkload(series, opts);
  } catch (e) {
    throw new UsageError(`workload: ${(e as Error).message}`);
  }
}

/** Plans the schedule, loads the images and builds the sender (`fetch` injected in tests). */
export async function prepareRun(
  opts: LoadOptions,
  fetch?: typeof globalThis.fetch,
): Promise<PreparedRun> {
  const series = await loadSeries(opts);
  const counts = planCounts(series, opts);
  const schedule = buildSchedule(counts, { mode: opts.arrivals, rng: createRng(opts.seed) });
  const images = await loadImages(opts);
  const payloads = images.map((image) => buildPayload(image, opts.body, opts.field));
  const picks = pickPayloads(
    schedule.length,
    Math.max(1, payloads.length),
    createRng((opts.seed + 2) >>> 0),
  );
  const sender = createHttpSender({
    url: opts.endpoint,
    method: opts.method,
    payloads,
    picks,
    timeoutMs: opts.timeoutMs,
    headers: opts.headers,
    fetch,
    client: opts.client,
  });
  return { counts, schedule, images, sender };
}
