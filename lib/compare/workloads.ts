/**
 * Where a comparison's workload comes from: a named scenario or a trace file, at cluster scale
 * (a simulator {@link Scenario}) or scaled to this machine (a {@link LiveSchedule}).
 *
 * @module
 */
import { loadScenario, type Scenario, SCENARIO_NAMES, type ScenarioName } from "../sim/mod.ts";
import {
  countsFromRates,
  cutSeconds,
  parseTrace,
  resampleToSeconds,
  scaleSeries,
} from "../workload/mod.ts";
import {
  compressScenario,
  isSyntheticScenario,
  type LiveSchedule,
  liveShape,
} from "./live_scenarios.ts";

/** Which workload. */
export interface WorkloadChoice {
  /** Scenario name (ignored when `traceFile` is set). */
  scenario: string;
  /** A trace file (per-second counts, per-request timestamps or timestamp,value rows). */
  traceFile?: string;
  /** Directory of the scenarios' traces. */
  tracesDir?: string;
}

/** Checks a scenario name; throws naming the choices. */
export function scenarioName(name: string): ScenarioName {
  if (!(SCENARIO_NAMES as readonly string[]).includes(name)) {
    throw new RangeError(`--scenario must be one of ${SCENARIO_NAMES.join(", ")}: got ${name}`);
  }
  return name as ScenarioName;
}

/**
 * A scenario from a trace's text (pure): its per-second rates × `scale` (scaled so their mean
 * is `meanRate` when given), cut to `durationSeconds`, after a `warmupSeconds` warm-up at the
 * first minute's mean.
 */
export function traceScenario(
  text: string,
  options: {
    name: string;
    scale?: number;
    meanRate?: number;
    durationSeconds?: number;
    warmupSeconds?: number;
  },
): Scenario {
  const perSecond = resampleToSeconds(scaleSeries(parseTrace(text), { timeScale: 1 }));
  let rates = cutSeconds(perSecond, options.durationSeconds);
  if (rates.length === 0) throw new RangeError(`trace ${options.name} has no seconds`);
  const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
  const factor = options.meanRate && mean > 0 ? options.meanRate / mean : options.scale ?? 1;
  rates = rates.map((r) => r * factor);
  const warmup = options.warmupSeconds ?? 300;
  const first = rates.slice(0, 60);
  const start = first.reduce((a, b) => a + b, 0) / first.length;
  const all = [...new Array<number>(warmup).fill(start), ...rates];
  return {
    name: options.name as ScenarioName,
    description: `trace ${options.name} × ${factor.toPrecision(3)}`,
    rates: Float64Array.from(all),
    counts: countsFromRates(all),
    steps: [],
    warmupSeconds: warmup,
    maxReplicas: 1000,
  };
}

/** The cluster-scale scenario of a choice (sim mode). */
export async function clusterScenario(
  choice: WorkloadChoice,
  options: { scale?: number; durationSeconds?: number },
): Promise<Scenario> {
  if (choice.traceFile) {
    const text = await Deno.readTextFile(choice.traceFile);
    const name = choice.traceFile.split("/").pop() ?? choice.traceFile;
    return traceScenario(text, { name, meanRate: 1500 * (options.scale ?? 1), ...options });
  }
  return await loadScenario(scenarioName(choice.scenario), {
    scale: options.scale,
    durationSeconds: options.durationSeconds,
    tracesDir: choice.tracesDir,
  });
}

/** The workload of a choice scaled to this machine (live mode). */
export async function machineSchedule(
  choice: WorkloadChoice,
  options: { durationSeconds: number; peakRate: number },
): Promise<LiveSchedule> {
  if (!choice.traceFile && isSyntheticScenario(choice.scenario)) {
    return liveShape(choice.scenario, options.durationSeconds, options.peakRate);
  }
  const scenario = await clusterScenario(choice, {});
  return compressScenario(scenario, options.durationSeconds, options.peakRate);
}
