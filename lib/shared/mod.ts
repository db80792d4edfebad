/**
 * What every component uses: the one `main` of the entry scripts and its flag tables, the
 * structured log and its reader, the timer clock, seeded random numbers, byte helpers, small
 * statistics, and starting an entry script as a process.
 *
 * @example
 * ```ts
 * import { createLogger, createRng } from "./lib/shared/mod.ts";
 * createLogger("replica")("ready", { port: 6000 }); // one JSON line on stderr
 * createRng(42).uniform(); // the same value on every machine
 * ```
 *
 * @module
 */
export { concatBytes, isWholeBuffer } from "./bytes.ts";
export { type Flag, type Flags, helpText, parseFlags, UsageError } from "./cli.ts";
export { systemClock, type TimerClock } from "./clock.ts";
export { jsonLines } from "./json_lines.ts";
export { createLogger, type Logger, silentLogger } from "./log.ts";
export {
  type Command,
  type CommandSet,
  defineCommand,
  main,
  onAbort,
  runCommand,
  type RunContext,
  withinGrace,
} from "./main.ts";
export { createRng, type Rng } from "./rng.ts";
export { type Started, startScript } from "./script_process.ts";
export { median } from "./stats.ts";
export { waitFor, type WaitOptions } from "./wait.ts";
