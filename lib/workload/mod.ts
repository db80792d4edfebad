/**
 * Workloads as request rates per second, from lists, built-in shapes or trace files, and the
 * seeded arrival schedule they produce; the load tester and the simulator build the same
 * arrivals from the same workload and seed.
 *
 * @example
 * ```ts
 * import { buildSchedule, countsFromRates, parseRateList } from "./lib/workload/mod.ts";
 * import { createRng } from "./lib/shared/mod.ts";
 * const counts = countsFromRates(parseRateList("5,10,20")); // requests in each second
 * const times = buildSchedule(counts, { mode: "poisson", rng: createRng(42) }); // seconds
 * ```
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
