/**
 * Scenarios scaled to this machine for live runs: the same shapes as the cluster scenarios
 * (lib/sim/scenarios.ts), squeezed into `durationSeconds` and scaled so their peak is `peakRate`
 * requests per second (what a few local replicas can serve); traces are compressed in time to the
 * duration (averaged per second). The shapes: lib/compare/README.md.
 *
 * @module
 */
import { type Scenario, SCENARIO_NAMES, type ScenarioName } from "../sim/mod.ts";
import { countsFromRates, parseShape, shapeRates } from "../workload/mod.ts";
import { createRng } from "../shared/mod.ts";

/** A live workload: rates and whole requests per second, and its load steps. */
export interface LiveSchedule {
  /** Scenario name. */
  name: string;
  /** One line on what it is. */
  description: string;
  /** Expected requests per second. */
  rates: number[];
  /** Whole requests per second (what the load tester sends, one line per second). */
  counts: number[];
  /** Load steps up, seconds. */
  steps: number[];
}

/** Is `name` a synthetic scenario with a live shape (no trace file needed)? */
export function isSyntheticScenario(name: string): boolean {
  return ["step", "spike", "diurnal", "ramp"].includes(name);
}

/** The live shape of a synthetic scenario (see the module doc); throws on other names. */
export function liveShape(name: string, durationSeconds: number, peakRate: number): LiveSchedule {
  const d = durationSeconds, p = peakRate;
  if (!Number.isInteger(d) || d < 10) {
    throw new RangeError(`live duration must be a whole number of seconds ≥ 10: got ${d}`);
  }
  if (!(p > 0) || !Number.isFinite(p)) {
    throw new RangeError(`live peak rate must be a finite number > 0: got ${p}`);
  }
  const r = (x: number) => Math.round(x * 1000) / 1000;
  const shape = (text: string) => shapeRates(parseShape(text), d, createRng(0));
  let rates: number[], steps: number[] = [], description: string;
  switch (name) {
    case "step": {
      const at = Math.round(d / 4), back = Math.round((3 * d) / 4);
      rates = shape(`step:from=${r(p / 4)},to=${r(p)},at=${at}`);
      for (let k = back; k < d; k++) rates[k] = p / 4;
      steps = [at];
      description = `${r(p / 4)} → ${r(p)} req/s at ${at} s, back at ${back} s`;
      break;
    }
    case "spike": {
      const at = Math.round(d / 3), width = Math.max(1, Math.round(d / 4));
      rates = shape(`spike:base=${r(p / 4)},peak=${r(p)},at=${at},width=${width}`);
      steps = [at];
      description = `${r(p / 4)} req/s, ${width} s spike to ${r(p)} at ${at} s`;
      break;
    }
    case "diurnal":
      rates = shape(
        `sine:mean=${r(0.55 * p)},amplitude=${r(0.45 * p)},period=${d},phase=${-Math.round(d / 4)}`,
      );
      description = `sine ${r(0.1 * p)}–${r(p)} req/s over ${d} s`;
      break;
    case "ramp":
      rates = shape(`ramp:from=${r(p / 10)},to=${r(p)}`);
      description = `${r(p / 10)} → ${r(p)} req/s`;
      break;
    default:
      throw new RangeError(
        `live shape must be one of step, spike, diurnal, ramp: got ${name}`,
      );
  }
  return { name, description, rates, counts: countsFromRates(rates), steps };
}

/** A cluster scenario (its measured part) compressed into `durationSeconds` with peak `peakRate`. */
export function compressScenario(
  scenario: Scenario,
  durationSeconds: number,
  peakRate: number,
): LiveSchedule {
  const measured = Array.from(scenario.rates).slice(scenario.warmupSeconds);
  if (measured.length === 0) throw new RangeError(`scenario ${scenario.name} has no seconds`);
  const d = Math.min(durationSeconds, measured.length);
  const factor = measured.length / d;
  const rates: number[] = [];
  for (let k = 0; k < d; k++) {
    const a = Math.floor(k * factor), b = Math.max(a + 1, Math.floor((k + 1) * factor));
    const window = measured.slice(a, b);
    rates.push(window.reduce((s, v) => s + v, 0) / window.length);
  }
  const peak = Math.max(...rates);
  const scaled = rates.map((v) => (peak > 0 ? (v * peakRate) / peak : 0));
  const steps = scenario.steps.map((s) => Math.floor((s - scenario.warmupSeconds) / factor))
    .filter((s) => s >= 0 && s < d);
  return {
    name: scenario.name,
    description: `${scenario.description}, compressed ${factor.toFixed(0)}× to ${d} s, peak ${
      peakRate.toFixed(1)
    } req/s`,
    rates: scaled,
    counts: countsFromRates(scaled),
    steps,
  };
}

/** Every scenario name a live run accepts. */
export const LIVE_SCENARIOS: readonly ScenarioName[] = SCENARIO_NAMES;
