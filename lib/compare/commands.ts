/**
 * The commands of `compare.ts` for the shared `main`: `run` (the default when the first argument
 * is a flag), `calibrate`, `validate` and `demo`. Each prints its result and the wall time.
 *
 * @module
 */
import {
  type Command,
  type CommandSet,
  defineCommand,
  type Flags,
  UsageError,
} from "../shared/mod.ts";
import { runDemo, runValidate } from "./demo.ts";
import { COMPARE_FLAGS, COMPARE_USAGE, DEMO_FLAGS, VALIDATE_FLAGS } from "./flags.ts";
import { measureCalibration } from "./measure_calibration.ts";
import {
  type CompareOptions,
  parseKnobValues,
  parsePolicies,
  parseSpecs,
  runCompare,
  summaryTable,
} from "./run.ts";

/** Where a command's lines go. */
export type CompareLog = (line: string) => void;

/** A command's options: the comparison's, and `calibrate`'s rounds. */
export type CompareRunOptions = CompareOptions & { rounds: number };

/**
 * The flags as a comparison's options; a bad `--policies`, `--knob-values` or `--specs` is a
 * usage error (exit 2).
 */
export function compareOptions(f: Flags<typeof COMPARE_FLAGS>): CompareRunOptions {
  try {
    parseKnobValues(f.knobValues);
    parseSpecs(f.specs);
    return { ...f, mode: f.mode as "live" | "sim", policies: parsePolicies(f.policies) };
  } catch (err) {
    throw new UsageError(`${(err as Error).message} (see --help)`);
  }
}

/** `compare run`: the comparison and its report; prints the table. */
async function run(o: CompareRunOptions, log: CompareLog): Promise<void> {
  const { path, input } = await runCompare(o, log);
  log(summaryTable(input));
  log(`report: ${path}`);
}

/** `compare calibrate`: measures the replica; `--out` is the file (out/calibration.json). */
async function calibrate(o: CompareRunOptions, log: CompareLog): Promise<void> {
  const path = o.out === COMPARE_FLAGS.out.default ? "out/calibration.json" : o.out;
  const cal = await measureCalibration({ rounds: o.rounds, progress: log });
  await Deno.mkdir(path.split("/").slice(0, -1).join("/") || ".", { recursive: true });
  await Deno.writeTextFile(path, JSON.stringify(cal, null, 1) + "\n");
  log(`calibration written to ${path}`);
}

/** `compare validate`: one workload live and simulated; prints the differences. */
async function validate(o: CompareRunOptions, log: CompareLog): Promise<void> {
  const table = await runValidate({ ...o, mode: "live" }, log);
  log(table);
  log(`report: ${o.out}/index.html`);
}

/** `compare demo`: calibrate, live, then simulated; prints where the reports are. */
async function demo(o: CompareRunOptions, log: CompareLog): Promise<void> {
  const r = await runDemo(o, log);
  log(`calibration: ${r.calibration}\nlive report: ${r.live}\nsimulation report: ${r.sim}`);
}

/** One command: its flags, then `body` with the options and the abort signal, then the time. */
function command(
  flags: typeof COMPARE_FLAGS,
  body: (o: CompareRunOptions, log: CompareLog) => Promise<void>,
  log: CompareLog,
): Command {
  return defineCommand({
    name: "compare",
    usage: COMPARE_USAGE,
    flags,
    envPrefix: "COMPARE",
    run: async (f, { signal }) => {
      const o = compareOptions(f);
      const t0 = performance.now();
      await body({ ...o, signal }, log);
      log(`wall time ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      return 0;
    },
  });
}

/** The commands of `compare.ts`, printing to `log` (default stdout). */
export function compareCommands(log: CompareLog = (line) => console.log(line)): CommandSet {
  return {
    name: "compare",
    usage: COMPARE_USAGE,
    default: "run",
    commands: {
      run: command(COMPARE_FLAGS, run, log),
      calibrate: command(COMPARE_FLAGS, calibrate, log),
      validate: command(VALIDATE_FLAGS, validate, log),
      demo: command(DEMO_FLAGS, demo, log),
    },
  };
}

/** The commands of `compare.ts`, printing to stdout. */
export const COMPARE_COMMANDS: CommandSet = compareCommands();
