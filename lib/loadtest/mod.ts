/**
 * The open-loop, trace-driven load tester: a workload (rate list, trace or shape) becomes a
 * seeded arrival schedule, each request goes out at its time whatever is outstanding, latency is
 * measured from the scheduled time (wrk2's correction) and from the send, and the run ends with a
 * vegeta-style report, optional CSV/JSON files and k6-style threshold verdicts. See README.md.
 *
 * @example
 * ```ts
 * import { createApp, parseLoadArgs } from "./lib/loadtest/mod.ts";
 * const opts = parseLoadArgs(["--endpoint", "http://127.0.0.1:5052/predict", "--workload", "5,5"]);
 * if (opts !== "help") console.log((await createApp().run(opts)).exitCode);
 * ```
 *
 * @module
 */
export { createApp, type LoadTestDeps, type LoadTestOutcome, run, THRESHOLD_EXIT } from "./app.ts";
export type { Clock } from "./clock.ts";
export { LOADTEST_COMMAND } from "./command.ts";
export { LOADTEST_FLAGS } from "./flags.ts";
export { type LoadOptions, parseLoadArgs } from "./options.ts";
export { buildPayload, parseSize, syntheticImage } from "./payload.ts";
export type { Summary } from "./summary.ts";
export type { ThresholdResult } from "./threshold.ts";
