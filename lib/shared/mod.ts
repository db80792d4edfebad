/**
 * TODO shared
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
  runCommand,
  type RunContext,
  withinGrace,
} from "./main.ts";
export { createRng, type Rng } from "./rng.ts";
export { type Started, startScript } from "./script_process.ts";
export { median } from "./stats.ts";
