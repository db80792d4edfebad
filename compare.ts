/**
 * The comparison entry point: the same workload under several autoscaling policies, live on this
 * machine or simulated at cluster scale, one report.
 *
 * - `deno task compare [run] --mode live|sim --scenario NAME | --trace FILE --policies
 *   hpa,cpa-seed,cpa,kpa,queue --slo-ms 500 --out DIR --seed 42 [--sweep]` writes `DIR/index.html`
 *   (self-contained), `DIR/summary.json` and `DIR/seconds_<policy>.csv`, and prints the table.
 * - `deno task compare calibrate [--out FILE]` measures the real replica (latency per batch size,
 *   throughput per thread count, startup) and writes a calibration JSON for `--calibration`.
 * - `deno task compare validate` runs one small workload live and simulated with the same seed
 *   and prints the p95 and replica-timeline differences.
 * - `deno task demo` (`compare demo`): calibrate briefly, hpa/cpa-seed/cpa live on a short spike,
 *   then the same at cluster scale in simulation with a sweep; prints where the reports are.
 *
 * Every flag is also an environment variable (`COMPARE_MODE`, ...).
 *
 * @module
 */
import { type Flag, helpText, parseFlags, UsageError } from "./lib/shared/mod.ts";
import {
  type CompareOptions,
  measureCalibration,
  parseKnobValues,
  parsePolicies,
  parseSpecs,
  runCompare,
  runDemo,
  runValidate,
  summaryTable,
} from "./lib/compare/mod.ts";

export { runCompare } from "./lib/compare/mod.ts";

const num = (d: number, help: string, min = 0, max = 1e9) =>
  ({ type: "number", default: d, help, min, max }) as const;
const str = (d: string, help: string) => ({ type: "string", default: d, help }) as const;
const choice = (d: string, help: string, choices: readonly string[]) =>
  ({ type: "string", default: d, help, choices }) as const;

/** Flags of every subcommand. */
export const FLAGS = {
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

const USAGE = `Usage: deno task compare [run|calibrate|validate|demo] [options]

Compares autoscaling policies on one workload, live or simulated, and writes a report.`;

function options(args: string[]): (CompareOptions & { rounds: number }) | "help" {
  const f = parseFlags(FLAGS, args, { envPrefix: "COMPARE" });
  if (f === "help") return "help";
  try {
    parseKnobValues(f.knobValues);
    parseSpecs(f.specs);
    return { ...f, mode: f.mode as "live" | "sim", policies: parsePolicies(f.policies) };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Runs a subcommand; resolves to the exit code. */
export async function run(
  argv: string[],
  log: (line: string) => void = console.log,
  signal?: AbortSignal,
): Promise<number> {
  const commands = ["run", "calibrate", "validate", "demo"];
  const command = commands.includes(argv[0]) ? argv[0] : "run";
  const args = commands.includes(argv[0]) ? argv.slice(1) : argv;
  let o;
  try {
    o = options(args);
  } catch (err) {
    console.error(`compare: ${(err as Error).message} (see --help)`);
    return 2;
  }
  if (o === "help") {
    log(helpText(USAGE, FLAGS, "COMPARE"));
    return 0;
  }
  const t0 = performance.now();
  const policiesGiven = args.some((a) => a.startsWith("--policies")) ||
    !!Deno.env.get("COMPARE_POLICIES");
  if (command === "demo" && !policiesGiven) o.policies = ["hpa", "cpa-seed", "cpa"];
  if (command === "validate" && !policiesGiven) o.policies = ["hpa", "cpa"];
  if (command === "calibrate") {
    const path = o.out === FLAGS.out.default ? "out/calibration.json" : o.out;
    const cal = await measureCalibration({ rounds: o.rounds, progress: log });
    await Deno.mkdir(path.split("/").slice(0, -1).join("/") || ".", { recursive: true });
    await Deno.writeTextFile(path, JSON.stringify(cal, null, 1) + "\n");
    log(`calibration written to ${path}`);
  } else if (command === "validate") {
    const table = await runValidate({ ...o, mode: "live", signal }, log);
    log(table);
    log(`report: ${o.out}/index.html`);
  } else if (command === "demo") {
    const r = await runDemo({ ...o, signal }, log);
    log(`calibration: ${r.calibration}\nlive report: ${r.live}\nsimulation report: ${r.sim}`);
  } else {
    const { path, input } = await runCompare({ ...o, signal }, log);
    log(summaryTable(input));
    log(`report: ${path}`);
  }
  log(`wall time ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return 0;
}

if (import.meta.main) {
  // Ctrl-C or SIGTERM: stop the live stack (dispatcher, autoscaler, replicas) before exiting
  const abort = new AbortController();
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(sig, () => abort.abort(new Error(`interrupted by ${sig}`)));
  }
  try {
    Deno.exit(await run(Deno.args, console.log, abort.signal));
  } catch (err) {
    console.error(`compare: ${(err as Error).message}`);
    Deno.exit(1);
  }
}
