/**
 * Fakes that unit tests of several components share: a clock stepped by hand, a report fixture,
 * a calibration with fixed service times, and a crafted many-scan JPEG.
 *
 * @example
 * ```ts
 * import { ManualClock } from "./lib/testing/mod.ts";
 * const clock = new ManualClock();
 * await clock.advance(100); // runs what was scheduled within 100 ms
 * ```
 *
 * @module
 */
export { fixedCalibration } from "./fixed_calibration.ts";
export { flush, ManualClock } from "./manual_clock.ts";
export { reportFixture, summary } from "./report_fixture.ts";
export { scanBomb } from "./scan_bomb.ts";
