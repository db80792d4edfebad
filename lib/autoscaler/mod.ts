/**
 * The autoscaler: the control loop (collect → decide → act on a fixed tick), its controller and
 * HTTP API (Custom Pod Autoscaler REST API v1, `/metrics`, `/sd`), and the `evaluate` hook.
 *
 * @example
 * ```ts
 * import { AUTOSCALER_COMMANDS } from "./lib/autoscaler/mod.ts";
 * import { main } from "./lib/shared/mod.ts";
 * await main(AUTOSCALER_COMMANDS); // autoscaler.ts run --policy cpa --actuator local
 * ```
 *
 * @module
 */
export { type Controller, createApp, createController } from "./app.ts";
export { AUTOSCALER_COMMANDS } from "./commands.ts";
export { evaluateText, unwrapFrameworkInput } from "./evaluate_command.ts";
export { AUTOSCALER_FLAGS, type AutoscalerOptions } from "./flags.ts";
export { run, type RunningAutoscaler, windowSpec } from "./run.ts";
