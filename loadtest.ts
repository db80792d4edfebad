/**
 * `deno task loadtest`: the open-loop, trace-driven load tester (replaces barazmoon and the
 * seed's `my_load_test.py`). See `--help` and {@link HELP} for the flags.
 *
 * The workload (a list, a trace or a shape) becomes whole requests per second
 * (`lib/workload/schedule.ts`), then a seeded arrival schedule; each request is sent at its scheduled time
 * whatever is outstanding (`lib/loadtest/runner.ts`), latency is measured from the scheduled time
 * (corrected, as wrk2) and from the actual send, and the run ends with a vegeta-style report,
 * optional CSV/JSON files and threshold verdicts.
 *
 * @module
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createRng, UsageError } from "./lib/shared/mod.ts";
import {
  buildPayload,
  buildSummary,
  type Clock,
  createHttpSender,
  createLineSink,
  createRecorder,
  createSystemClock,
  evaluateThresholds,
  formatProgress,
  formatSummary,
  HELP,
  type Image,
  type LineSink,
  type LoadOptions,
  parseLoadArgs,
  pickPayloads,
  readImageDir,
  requestLine,
  REQUESTS_HEADER,
  runOpenLoop,
  secondsCsv,
  type Send,
  type Summary,
  syntheticImage,
  type ThresholdResult,
} from "./lib/loadtest/mod.ts";
import {
  buildSchedule,
  parseTrace,
  planWorkload,
  type RateSeries,
  shapeRates,
} from "./lib/workload/mod.ts";

export { HELP, parseLoadArgs };

/** Exit code when a threshold fails (k6's). */
export const THRESHOLD_EXIT = 99;

/** Synthetic images generated per run (picked per request like `--images`). */
const SYNTHETIC_COUNT = 4;

/** What the app needs from the outside world (all optional; defaults are the real ones). */
export interface LoadTestDeps {
  /** Clock of the runner. */
  clock?: Clock;
  /** fetch used for requests. */
  fetch?: typeof fetch;
  /** Final report output (default stdout). */
  out?: (text: string) => void;
  /** Progress output (default stderr). */
  progress?: (text: string) => void;
  /** Whether progress goes to a terminal (one rewritten line) or a log (periodic lines). */
  isTty?: boolean;
}

/** The result of a run. */
export interface LoadTestOutcome {
  /** The summary (as in summary.json). */
  summary: Summary;
  /** Threshold verdicts. */
  thresholds: ThresholdResult[];
  /** 0, or {@link THRESHOLD_EXIT} when a threshold failed. */
  exitCode: number;
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

async function loadImages(opts: LoadOptions): Promise<Image[]> {
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

/** Creates the app; `run` performs one load test and resolves with its outcome. */
export function createApp(deps: LoadTestDeps = {}) {
  const out = deps.out ?? ((text: string) => console.log(text));
  const progress = deps.progress ??
    ((text: string) => Deno.stderr.writeSync(new TextEncoder().encode(text)));
  const isTty = deps.isTty ?? Deno.stderr.isTerminal();
  return {
    async run(opts: LoadOptions, signal?: AbortSignal): Promise<LoadTestOutcome> {
      const series = await loadSeries(opts);
      const counts = wrapUsage(() => planWorkload(series, opts));
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
        fetch: deps.fetch,
        client: opts.client,
      });
      let sink: LineSink | undefined;
      if (opts.outDir) {
        await Deno.mkdir(opts.outDir, { recursive: true });
        sink = await createLineSink(`${opts.outDir}/requests.csv`);
        sink.write(REQUESTS_HEADER);
      }
      await warmUp(sender, opts.warmup, schedule.length);
      collectGarbage();
      const recorder = createRecorder({ sloMs: opts.sloMs });
      const clock = deps.clock ?? createSystemClock();
      const startedAt = clock.now();
      const tickMs = isTty ? 500 : opts.progressSeconds * 1000;
      const timer = opts.quiet ? undefined : setInterval(() => {
        const line = formatProgress(
          (clock.now() - startedAt) / 1000,
          counts.length,
          recorder.live(),
        );
        progress(isTty ? `\r\x1b[2K${line}` : `${line}\n`);
      }, tickMs);
      let result;
      try {
        result = await runOpenLoop(schedule, sender, {
          clock,
          maxInflight: opts.maxInflight,
          connections: opts.connections,
          signal,
          onDispatch: recorder.dispatch,
          onRecord: (record) => {
            recorder.record(record);
            sink?.write(requestLine(record));
          },
        });
      } finally {
        clearInterval(timer);
        sender.close();
        if (timer !== undefined && isTty) progress("\r\x1b[2K");
        await sink?.close();
      }
      const totals = recorder.totals();
      const summary = buildSummary(totals, {
        endpoint: opts.endpoint,
        scheduleSeconds: counts.length,
        wallSeconds: Math.max(totals.lastDoneMs, clock.now() - result.startMs) / 1000,
        sloMs: opts.sloMs,
        aborted: result.aborted,
        config: {
          seed: opts.seed,
          arrivals: opts.arrivals,
          workload: opts.workload.kind,
          rate_scale: opts.rateScale,
          time_scale: opts.timeScale,
          max_inflight: opts.maxInflight,
          connections: Number.isFinite(opts.connections) ? opts.connections : null,
          method: opts.method,
          body: payloads.length ? opts.body : "none",
          images: images.map((i) => i.name),
        },
      });
      const thresholds = evaluateThresholds(opts.thresholds, summary);
      if (opts.outDir) {
        await Deno.writeTextFile(`${opts.outDir}/seconds.csv`, secondsCsv(recorder.seconds()));
        await Deno.writeTextFile(
          `${opts.outDir}/summary.json`,
          JSON.stringify({ ...summary, thresholds }, null, 2) + "\n",
        );
      }
      out(
        opts.json ? JSON.stringify({ ...summary, thresholds }) : formatSummary(summary, thresholds),
      );
      return { summary, thresholds, exitCode: thresholds.every((t) => t.ok) ? 0 : THRESHOLD_EXIT };
    },
  };
}

/**
 * Sends `count` unrecorded requests (4 at a time) before the run, so the first scheduled requests
 * do not pay for connection set-up and JIT compilation. Their outcome is ignored.
 */
async function warmUp(send: Send, count: number, n: number): Promise<void> {
  const signal = new AbortController().signal;
  for (let i = 0; i < count; i += 4) {
    const batch = Array.from(
      { length: Math.min(4, count - i) },
      (_, k) => (i + k) % Math.max(1, n),
    );
    await Promise.all(batch.map((index) => send(index, signal)));
  }
}

/**
 * Runs a full garbage collection before the schedule starts, when the runtime lets us (V8's
 * `gc`, exposed through node:v8/node:vm). Preparing a run leaves tens of MB of garbage (jpeg-js
 * builds 65,535 small arrays per synthetic image; trace parsing, schedules); left alone, the
 * first collections come during the run and stop the schedule for 100–250 ms on a busy machine
 * (`--v8-flags=--trace-gc`: schedule lag p99 in the first second ~200 ms → ~14 ms with this).
 */
function collectGarbage(): void {
  try {
    setFlagsFromString("--expose-gc");
    (runInNewContext("gc") as () => void)();
  } catch {
    // no gc to call: the run goes on with whatever heap it has
  }
}

function wrapUsage<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new UsageError(`workload: ${(e as Error).message}`);
  }
}

/** Runs one load test with the real clock, fetch and terminal. */
export function run(opts: LoadOptions, signal?: AbortSignal): Promise<LoadTestOutcome> {
  return createApp().run(opts, signal);
}

if (import.meta.main) {
  let opts: LoadOptions | "help";
  try {
    opts = parseLoadArgs(Deno.args);
  } catch (e) {
    console.error(`loadtest: ${(e as Error).message}\n(see --help)`);
    Deno.exit(2);
  }
  if (opts === "help") {
    console.log(HELP);
    Deno.exit(0);
  }
  const controller = new AbortController();
  Deno.addSignalListener("SIGINT", () => controller.abort());
  try {
    const outcome = await run(opts, controller.signal);
    Deno.exit(outcome.exitCode);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`loadtest: ${e.message}`);
      Deno.exit(2);
    }
    throw e;
  }
}
