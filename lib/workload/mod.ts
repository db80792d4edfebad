/**
 * TODO workload
 *
 * @module
 */
export {
  ARRIVAL_MODES,
  type ArrivalMode,
  arrivalsInSecond,
  buildSchedule,
  countsFromRates,
  cutSeconds,
  parseRateList,
  planWorkload,
  type RateSeries,
  resampleToSeconds,
  scaleSeries,
} from "./schedule.ts";
export { parseShape, shapeRates, type ShapeSpec } from "./shapes.ts";
export { parseTrace } from "./trace.ts";
