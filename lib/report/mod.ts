/**
 * The comparison report: runs of several policies under one workload (live or simulated), the
 * oracle's cost floor and an optional knob sweep ({@link ReportInput}), written as a
 * self-contained `index.html` (Chart.js inlined), `summary.json` and `seconds_<label>.csv`.
 *
 * @example
 * ```ts
 * import { writeReport } from "./lib/report/mod.ts";
 * const page = await writeReport("out/compare", input); // input: a ReportInput
 * console.log(`report: ${page}`); // out/compare/index.html
 * ```
 *
 * @module
 */
export {
  type ReportInput,
  type ReportRun,
  type ReportSeries,
  type ReportSweep,
  type ReportSweepPoint,
} from "./model.ts";
export { dominanceText, settingText, uncoveredText } from "./sentences.ts";
export { writeReport } from "./write.ts";
