/**
 * Helpers shared by the simulator tests: small calibrations with known service times.
 *
 * @module
 */
import type { Calibration } from "../sim/mod.ts";

/** A replica whose every batch takes `seconds` (deterministic) or has that mean (exponential). */
export function fixedCalibration(
  seconds: number,
  distribution: Calibration["serviceDistribution"] = "deterministic",
): Calibration {
  return {
    name: "test",
    serviceDistribution: distribution,
    batches: [{ size: 1, meanSeconds: seconds, stdSeconds: 0 }],
    requestOverheadSeconds: 0,
    threads: 1,
    idleCpuMilli: 5,
    cpuRequestMilli: 1000,
    cpuLimitMilli: 1000,
    startup: { distribution: "fixed", medianSeconds: 1 },
  };
}
