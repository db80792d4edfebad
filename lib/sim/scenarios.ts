/**
 * Named simulation scenarios at cluster scale (step, spike, diurnal, ramp, and four traces): a
 * rate curve per second built with the workload modules, turned into whole requests per second by
 * `countsFromRates`; `scale` multiplies every rate (default 1). Each starts with a warm-up
 * (default 300 s) that reports leave out; traces are replayed as a rate envelope. The table of
 * scenarios and the reasons: lib/sim/README.md.
 *
 * @module
 */
import {
  countsFromRates,
  cutSeconds,
  parseShape,
  parseTrace,
  type RateSeries,
  resampleToSeconds,
  scaleSeries,
  shapeRates,
} from "../workload/mod.ts";
import { createRng } from "../shared/mod.ts";
import { movingAverage } from "./oracle.ts";

/** The scenario names. */
export const SCENARIO_NAMES = [
  "step",
  "spike",
  "diurnal",
  "ramp",
  "azure-code",
  "azure-conv",
  "nab-elb",
  "nab-twitter",
] as const;

/** A scenario name. */
export type ScenarioName = typeof SCENARIO_NAMES[number];

/** A scenario ready to simulate. */
export interface Scenario {
  /** Its name. */
  name: ScenarioName;
  /** One line on what it is. */
  description: string;
  /** Expected requests per second (the rate curve, scaled). */
  rates: Float64Array;
  /** Whole requests per second (what the simulator sends). */
  counts: number[];
  /** Known load steps up, run seconds (warm-up included); detected for traces by the caller. */
  steps: number[];
  /** Leading seconds of warm-up at the first minute's mean rate, not to be measured. */
  warmupSeconds: number;
  /** Upper replica bound for the policies. */
  maxReplicas: number;
}

interface TraceSource {
  file: string;
  mean: number;
  smoothing: number;
  days?: number;
  timeScale?: number;
}

const TRACES: Partial<Record<ScenarioName, TraceSource>> = {
  "azure-code": { file: "azure_llm_2023_code.csv", mean: 1500, smoothing: 30 },
  "azure-conv": { file: "azure_llm_2023_conv.csv", mean: 2000, smoothing: 30 },
  "nab-elb": {
    file: "nab_aws_elb_request_count.csv",
    mean: 1500,
    smoothing: 13,
    days: 2,
    timeScale: 1 / 24,
  },
  "nab-twitter": {
    file: "nab_twitter_volume_amzn.csv",
    mean: 1500,
    smoothing: 13,
    days: 2,
    timeScale: 1 / 24,
  },
};

/** The trace file a scenario replays (relative to the traces directory), if any. */
export function scenarioTraceFile(name: ScenarioName): string | undefined {
  return TRACES[name]?.file;
}

function shape(text: string, seconds: number): number[] {
  return shapeRates(parseShape(text), seconds, createRng(0));
}

function synthetic(name: ScenarioName): { rates: number[]; steps: number[]; text: string } {
  switch (name) {
    case "step": {
      const rates = shape("step:from=1000,to=3000,at=900", 3600);
      for (let k = 2700; k < 3600; k++) rates[k] = 1000;
      return { rates, steps: [900], text: "1,000 → 3,000 req/s at 900 s, back at 2,700 s" };
    }
    case "spike":
      return {
        rates: shape("spike:base=1500,peak=4500,at=1800,width=120", 3600),
        steps: [1800],
        text: "1,500 req/s, 120 s spike to 4,500 at 1,800 s",
      };
    case "diurnal":
      return {
        rates: shape("sine:mean=2000,amplitude=1500,period=7200,phase=-1800", 7200),
        steps: [],
        text: "a day in 2 h: sine 500–3,500 req/s",
      };
    case "ramp":
      return { rates: shape("ramp:from=500,to=4500", 3600), steps: [], text: "500 → 4,500 req/s" };
    default:
      throw new RangeError(`scenario ${name} is a trace: pass its text`);
  }
}

function fromTrace(source: TraceSource, text: string): number[] {
  const parsed = parseTrace(text);
  let series: RateSeries = parsed;
  if (source.days !== undefined) {
    const steps = Math.round((source.days * 86400) / parsed.stepSeconds);
    series = { stepSeconds: parsed.stepSeconds, rates: parsed.rates.slice(0, steps) };
  }
  const perSecond = resampleToSeconds(scaleSeries(series, { timeScale: source.timeScale ?? 1 }));
  const smooth = movingAverage(perSecond, source.smoothing);
  let sum = 0;
  for (const r of smooth) sum += r;
  const factor = source.mean / (sum / smooth.length);
  return Array.from(smooth, (r) => r * factor);
}

/** Options of {@link buildScenario}. */
export interface ScenarioOptions {
  /** Multiplies every rate (default 1). */
  scale?: number;
  /** Keeps only the first seconds (after the warm-up). */
  durationSeconds?: number;
  /** Warm-up seconds prepended (default 300). */
  warmupSeconds?: number;
  /** The trace file's text (required for the trace scenarios). */
  traceText?: string;
}

/** Builds a scenario (pure: trace text is passed in). Throws on an unknown name or bad scale. */
export function buildScenario(name: ScenarioName, options: ScenarioOptions = {}): Scenario {
  if (!(SCENARIO_NAMES as readonly string[]).includes(name)) {
    throw new RangeError(`scenario must be one of ${SCENARIO_NAMES.join(", ")}: got ${name}`);
  }
  const scale = options.scale ?? 1;
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new RangeError(`scenario scale must be a finite number > 0: got ${scale}`);
  }
  const source = TRACES[name];
  let base: number[], steps: number[] = [], description: string;
  if (source) {
    if (options.traceText === undefined) {
      throw new RangeError(`scenario ${name} needs the text of traces/${source.file}`);
    }
    base = fromTrace(source, options.traceText);
    description = `${source.file}, mean ${source.mean} req/s` +
      (source.timeScale ? `, first ${source.days} days compressed ${1 / source.timeScale}×` : "");
  } else {
    const s = synthetic(name);
    [base, steps, description] = [s.rates, s.steps, s.text];
  }
  const warmup = options.warmupSeconds ?? 300;
  if (!Number.isInteger(warmup) || warmup < 0) {
    throw new RangeError(`scenario warm-up must be a whole number of seconds ≥ 0: got ${warmup}`);
  }
  const cut = cutSeconds(base.map((r) => r * scale), options.durationSeconds);
  const first = cut.slice(0, 60);
  const start = first.reduce((a, b) => a + b, 0) / first.length;
  const rates = [...new Array<number>(warmup).fill(start), ...cut];
  return {
    name,
    description: scale === 1 ? description : `${description} (× ${scale})`,
    rates: Float64Array.from(rates),
    counts: countsFromRates(rates),
    steps: steps.filter((s) => s < cut.length).map((s) => s + warmup),
    warmupSeconds: warmup,
    maxReplicas: 1000,
  };
}

/** Reads the trace (if any) from `tracesDir` and builds the scenario. */
export async function loadScenario(
  name: ScenarioName,
  options: Omit<ScenarioOptions, "traceText"> & {
    tracesDir?: string;
    readTextFile?: (path: string) => Promise<string>;
  } = {},
): Promise<Scenario> {
  const file = scenarioTraceFile(name);
  const read = options.readTextFile ?? Deno.readTextFile;
  const traceText = file ? await read(`${options.tracesDir ?? "traces"}/${file}`) : undefined;
  return buildScenario(name, { ...options, traceText });
}
