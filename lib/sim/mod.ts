/**
 * TODO sim
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
