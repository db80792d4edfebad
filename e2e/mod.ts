/**
 * The end-to-end fault and abuse suite: scenarios that each start a real local stack (replicas,
 * dispatcher, autoscaler, Prometheus, load tester) on loopback, attack or break it, and check
 * what it did.
 *
 * @example
 * ```ts
 * import { runScenarios } from "./e2e/mod.ts";
 * const results = await runScenarios(["crash"], { full: false, out: "e2e-out" });
 * ```
 *
 * @module
 */
export { E2E_COMMAND, runScenarios } from "./command.ts";
export { failures, type ScenarioResult } from "./scenario.ts";
export { type ScenarioId, SCENARIOS } from "./scenarios.ts";
