/**
 * One load test from validated options to its outcome: prepare, warm up, run the schedule
 * open-loop with a progress line, then summarise, judge the thresholds and write the report and
 * the `--out` files. Clock, fetch and outputs are injectable ({@link LoadTestDeps}).
 *
 * @module
 */
import { type Clock, createSystemClock } from "./clock.ts";
import type { LoadOptions } from "./options.ts";
import {
  createLineSink,
  type LineSink,
  requestLine,
  REQUESTS_HEADER,
  secondsCsv,
} from "./output.ts";
import { type PreparedRun, prepareRun } from "./prepare.ts";
import { createRecorder, type Recorder } from "./recorder.ts";
import { formatProgress, formatSummary } from "./report.ts";
import { runOpenLoop, type RunResult } from "./runner.ts";
import { buildSummary, type Summary } from "./summary.ts";
import { evaluateThresholds, type ThresholdResult } from "./threshold.ts";
import { collectGarbage, warmUp } from "./warmup.ts";

/** Exit code when a threshold fails (k6's). */
export const THRESHOLD_EXIT = 99;

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

/** The deps with their defaults filled in (the clock is made when the run starts). */
type Io = Required<Omit<LoadTestDeps, "clock" | "fetch">> & Pick<LoadTestDeps, "clock" | "fetch">;

/** A run in progress: what it sends, records and writes. */
interface Live {
  opts: LoadOptions;
  prepared: PreparedRun;
  recorder: Recorder;
  clock: Clock;
  sink?: LineSink;
}

/** Opens `requests.csv` of `--out` (creating the directory) and writes its header. */
async function openRequestsSink(outDir: string | undefined): Promise<LineSink | undefined> {
  if (!outDir) return undefined;
  await Deno.mkdir(outDir, { recursive: true });
  const sink = await createLineSink(`${outDir}/requests.csv`);
  sink.write(REQUESTS_HEADER);
  return sink;
}

/**
 * Starts the progress line: rewritten every 500 ms on a terminal, a line every
 * `--progress-interval` seconds otherwise, nothing with `--quiet`. Returns its stop.
 */
function startProgress(live: Live, io: Io): () => void {
  const { opts, clock, recorder } = live;
  const startedAt = clock.now();
  const tickMs = io.isTty ? 500 : opts.progressSeconds * 1000;
  if (opts.quiet) return () => {};
  const timer = setInterval(() => {
    const elapsed = (clock.now() - startedAt) / 1000;
    const line = formatProgress(elapsed, live.prepared.counts.length, recorder.live());
    io.progress(io.isTty ? `\r\x1b[2K${line}` : `${line}\n`);
  }, tickMs);
  return () => {
    clearInterval(timer);
    if (io.isTty) io.progress("\r\x1b[2K");
  };
}

/** Runs the schedule open-loop, recording every request; closes the sender and the sink. */
async function sendSchedule(live: Live, io: Io, signal?: AbortSignal): Promise<RunResult> {
  const { opts, prepared, recorder, sink } = live;
  const stopProgress = startProgress(live, io);
  try {
    return await runOpenLoop(prepared.schedule, prepared.sender, {
      clock: live.clock,
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
    stopProgress();
    prepared.sender.close();
    await sink?.close();
  }
}

/** The run's summary: the recorder's totals with the run's facts and configuration. */
function summarize(live: Live, result: RunResult): Summary {
  const { opts, prepared } = live;
  const totals = live.recorder.totals();
  return buildSummary(totals, {
    endpoint: opts.endpoint,
    scheduleSeconds: prepared.counts.length,
    wallSeconds: Math.max(totals.lastDoneMs, live.clock.now() - result.startMs) / 1000,
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
      body: prepared.images.length ? opts.body : "none",
      images: prepared.images.map((i) => i.name),
    },
  });
}

/** Writes `seconds.csv` and `summary.json` of `--out`, then the report (text or JSON). */
async function writeOutputs(
  live: Live,
  io: Io,
  summary: Summary,
  thresholds: ThresholdResult[],
): Promise<void> {
  const { outDir, json } = live.opts;
  if (outDir) {
    await Deno.writeTextFile(`${outDir}/seconds.csv`, secondsCsv(live.recorder.seconds()));
    await Deno.writeTextFile(
      `${outDir}/summary.json`,
      JSON.stringify({ ...summary, thresholds }, null, 2) + "\n",
    );
  }
  io.out(json ? JSON.stringify({ ...summary, thresholds }) : formatSummary(summary, thresholds));
}

/** Performs one load test with `io`. */
async function runLoadTest(
  opts: LoadOptions,
  io: Io,
  signal?: AbortSignal,
): Promise<LoadTestOutcome> {
  const prepared = await prepareRun(opts, io.fetch);
  const sink = await openRequestsSink(opts.outDir);
  await prepared.sender.preconnect(Math.min(opts.preconnect, opts.connections));
  await warmUp(prepared.sender, opts.warmup, prepared.schedule.length);
  collectGarbage();
  const recorder = createRecorder({ sloMs: opts.sloMs });
  const live: Live = { opts, prepared, recorder, clock: io.clock ?? createSystemClock(), sink };
  const result = await sendSchedule(live, io, signal);
  const summary = summarize(live, result);
  const thresholds = evaluateThresholds(opts.thresholds, summary);
  await writeOutputs(live, io, summary, thresholds);
  return { summary, thresholds, exitCode: thresholds.every((t) => t.ok) ? 0 : THRESHOLD_EXIT };
}

/** Creates the app; `run` performs one load test and resolves with its outcome. */
export function createApp(deps: LoadTestDeps = {}) {
  const io: Io = {
    clock: deps.clock,
    fetch: deps.fetch,
    out: deps.out ?? ((text: string) => console.log(text)),
    progress: deps.progress ??
      ((text: string) => Deno.stderr.writeSync(new TextEncoder().encode(text))),
    isTty: deps.isTty ?? Deno.stderr.isTerminal(),
  };
  return {
    run: (opts: LoadOptions, signal?: AbortSignal): Promise<LoadTestOutcome> =>
      runLoadTest(opts, io, signal),
  };
}

/** Runs one load test with the real clock, fetch and terminal. */
export function run(opts: LoadOptions, signal?: AbortSignal): Promise<LoadTestOutcome> {
  return createApp().run(opts, signal);
}
