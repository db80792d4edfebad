/**
 * TODO loadtest
 *
 * @module
 */
export { type Clock, createSystemClock } from "./clock.ts";
export { HELP, type LoadOptions, parseLoadArgs } from "./flags.ts";
export {
  createLineSink,
  type LineSink,
  requestLine,
  REQUESTS_HEADER,
  secondsCsv,
} from "./output.ts";
export {
  buildPayload,
  type Image,
  parseSize,
  pickPayloads,
  readImageDir,
  syntheticImage,
} from "./payload.ts";
export { createRecorder } from "./recorder.ts";
export { formatProgress, formatSummary } from "./report.ts";
export { runOpenLoop, type Send } from "./runner.ts";
export { createHttpSender } from "./sender.ts";
export { buildSummary, type Summary } from "./summary.ts";
export { evaluateThresholds, type ThresholdResult } from "./threshold.ts";
