/**
 * TODO report
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
export { writeReport } from "./write.ts";
