/**
 * TODO actuator
 *
 * @module
 */
export { listReplicas } from "./dispatcher_admin.ts";
export { createDryRunActuator } from "./dry_run.ts";
export { LocalActuator } from "./local.ts";
export { type Actuator, type ActuatorPod, clampReplicas, type ScaleResult } from "./types.ts";
