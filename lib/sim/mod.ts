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
  type CpuMeasurement,
  requestCpuSeconds,
  startupCores,
  type StartupInterference,
} from "./calibration_fit.ts";
export {
  type BatchTiming,
  type Calibration,
  createServiceSampler,
  createStartupSampler,
  K8S_CALIBRATION,
  parseCalibration,
  type ServiceDistribution,
  type SharedHost,
  type StartupDelay,
  startupMeanSeconds,
  withStartupDelay,
} from "./calibration.ts";
export {
  type CapacityModel,
  type CapacityPoint,
  type CapacityTable,
  measureCapacity,
  type MeasureOptions,
} from "./capacity.ts";
export {
  type ControllerConfig,
  type DispatcherModel,
  type MetricsModel,
  type SimConfig,
} from "./config.ts";
export { cpaServiceModel } from "./controller.ts";
export { type MeasuredWindow, runSimulation, type SimResult } from "./engine.ts";
export { type NeedOptions, oracleNeed, type OraclePlan, oraclePlan } from "./oracle.ts";
export { type SecondSeries, type Totals } from "./recorder.ts";
export { READY, ReplicaTable } from "./replicas.ts";
export {
  buildScenario,
  loadScenario,
  type Scenario,
  SCENARIO_NAMES,
  type ScenarioName,
  type ScenarioOptions,
} from "./scenarios.ts";
export { runStudy, type StudyOptions, type StudyResult, type StudyRow, toPoint } from "./study.ts";
export {
  oscillations,
  type RecoveryOptions,
  recoveryTimes,
  type RunSummary,
  summarize,
  type ViolationColumns,
  violationPercent,
} from "./summary.ts";
export {
  type Dominance,
  dominance,
  type Knob,
  paretoFrontier,
  SWEEP_KNOBS,
  type SweepPoint,
} from "./sweep.ts";
