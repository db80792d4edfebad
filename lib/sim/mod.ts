/**
 * The discrete-event simulator: the cluster at scale on a virtual clock, deterministic per seed
 * ({@link runSimulation}), and what is built on it: scenarios, the capacity model, the oracle,
 * per-run figures and studies of every policy on one scenario. How it works: lib/sim/README.md.
 *
 * @example
 * ```ts
 * import { runSimulation } from "./lib/sim/mod.ts";
 * const counts = new Array(600).fill(200); // requests per second, 10 minutes
 * const r = runSimulation({ counts, seed: 1, controller: { kind: "fixed" }, initialReplicas: 8 });
 * console.log(r.totals.served, r.measured.latency.p95); // the same figures for seed 1
 * ```
 *
 * @module
 */
export {
  type BatchSamples,
  calibrationFromSamples,
  requestCpuSeconds,
  startupCores,
} from "./calibration_fit.ts";
export {
  type Calibration,
  K8S_CALIBRATION,
  parseCalibration,
  startupMeanSeconds,
  withStartupDelay,
} from "./calibration.ts";
export { type CapacityTable, measureCapacity } from "./capacity.ts";
export { cpaServiceModel } from "./controller.ts";
export { runSimulation, type SimResult } from "./engine.ts";
export { oracleNeed, oraclePlan } from "./oracle.ts";
export { READY, ReplicaTable } from "./replicas.ts";
export {
  buildScenario,
  loadScenario,
  type Scenario,
  SCENARIO_NAMES,
  type ScenarioName,
} from "./scenarios.ts";
export { runStudy, type StudyResult, type StudyRow, toPoint } from "./study.ts";
export {
  oscillations,
  recoveryTimes,
  type RunSummary,
  summarize,
  violationPercent,
} from "./summary.ts";
export { dominance, paretoFrontier, SWEEP_KNOBS } from "./sweep.ts";
