/**
 * TODO compare
 *
 * @module
 */
export {
  type CompareOptions,
  parseKnobValues,
  parsePolicies,
  parseSpecs,
  runCompare,
  summaryTable,
} from "./command.ts";
export { runDemo, runValidate } from "./demo.ts";
export { measureCalibration } from "./measure_calibration.ts";
