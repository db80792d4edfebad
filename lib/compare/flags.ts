/**
 * The flags of `compare.ts` (env prefix `COMPARE_`): one table every command reads, with
 * `validate` and `demo` defaulting to fewer policies.
 *
 * @module
 */
import type { Flag } from "../shared/mod.ts";

const num = (d: number, help: string, min = 0, max = 1e9) =>
  ({ type: "number", default: d, help, min, max }) as const;
const str = (d: string, help: string) => ({ type: "string", default: d, help }) as const;
const choice = (d: string, help: string, choices: readonly string[]) =>
  ({ type: "string", default: d, help, choices }) as const;

/** Usage text of every command of `compare.ts`. */
export const COMPARE_USAGE = `Usage: deno task compare [run|calibrate|validate|demo] [options]

Compares autoscaling policies on one workload, live or simulated, and writes a report.`;

/** Flags of every command (`run`'s defaults). */
export const COMPARE_FLAGS = {
  mode: choice("sim", "live (this machine's stack) or sim (cluster scale)", ["live", "sim"]),
  scenario: str("spike", "step|spike|diurnal|ramp|azure-code|azure-conv|nab-elb|nab-twitter"),
  trace: str("", "trace file instead of a scenario"),
  policies: str("hpa,cpa-seed,cpa,kpa,queue", "comma-separated policies"),
  "slo-ms": num(500, "latency SLO, ms", 1),
  out: str("out/compare", "report directory (calibrate: the calibration file)"),
  seed: num(42, "seed of arrivals, payloads and service times", 0, 2 ** 32 - 1),
  sweep: {
    type: "boolean" as const,
    default: false,
    help: "sim: sweep each policy over its main knob",
  },
  duration: num(0, "seconds of workload (0: scenario length in sim, 90 s live)"),
  scale: num(1, "sim: multiply the scenario's rates", 0.001),
  calibration: str("", "calibration JSON (compare calibrate); default built-in k8s-1cpu"),
  "peak-rps": num(30, "live: peak request rate of the machine-scaled workload", 0.1),
  interval: num(5, "live: autoscaler period, seconds", 0.5),
  "window-s": num(15, "live: metric rate window, seconds", 2),
  min: num(1, "live: fewest replicas", 1),
  max: num(3, "live: most replicas", 1),
  initial: num(1, "live: replicas at the start of each run", 1),
  "startup-delay-s": num(1, "live: delay before a new replica starts, seconds"),
  "replica-args": str("--backend native --threads 1", "live: replica flags"),
  metrics: choice("auto", "live: metric source (auto: Prometheus when on PATH)", [
    "auto",
    "scrape",
    "prometheus",
  ]),
  images: str("", "live: images to send (default synthetic 224x224 JPEGs)"),
  "traces-dir": str("traces", "directory of the scenarios' traces"),
  "knob-values": str("", 'with --sweep: knob values per policy, JSON {"hpa": [50, 80]}'),
  specs: str("", 'spec fields per policy, JSON {"hpa": {"targetCPUUtilizationPercentage": 70}}'),
  rounds: num(30, "calibrate: batches per batch size", 2),
  repeat: num(1, "validate: live runs per policy; the table shows their medians", 1, 20),
} satisfies Record<string, Flag>;

/** `compare validate`'s flags: hpa and cpa by default. */
export const VALIDATE_FLAGS: typeof COMPARE_FLAGS = {
  ...COMPARE_FLAGS,
  policies: str("hpa,cpa", "comma-separated policies"),
};

/** `compare demo`'s flags: hpa, cpa-seed and cpa by default. */
export const DEMO_FLAGS: typeof COMPARE_FLAGS = {
  ...COMPARE_FLAGS,
  policies: str("hpa,cpa-seed,cpa", "comma-separated policies"),
};
