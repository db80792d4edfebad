/**
 * The policy comparison behind `compare.ts`: one workload under several policies, live on this
 * machine's stack or simulated at cluster scale, and one report; plus measuring this machine's
 * replica for the simulator, and checking the simulator against live runs. How each mode works:
 * lib/compare/README.md.
 *
 * @example
 * ```ts
 * import { COMPARE_COMMANDS } from "./lib/compare/mod.ts";
 * import { main } from "./lib/shared/mod.ts";
 * await main(COMPARE_COMMANDS); // deno task compare --mode sim --scenario step --sweep
 * ```
 *
 * @module
 */
export {
  COMPARE_COMMANDS,
  compareCommands,
  type CompareLog,
  compareOptions,
  type CompareRunOptions,
} from "./commands.ts";
export { COMPARE_FLAGS, COMPARE_USAGE } from "./flags.ts";
export {
  type CompareOptions,
  parseKnobValues,
  parsePolicies,
  parseSpecs,
  runCompare,
  summaryTable,
} from "./run.ts";
export { type DemoResult, runDemo, runValidate } from "./demo.ts";
export { type CalibrateOptions, measureCalibration } from "./measure_calibration.ts";
