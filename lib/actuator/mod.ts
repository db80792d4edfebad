/**
 * What the autoscaler scales: local replica processes registered with the dispatchers, or a dry
 * run; every actuator clamps to [min, max] and reports its pods. The Kubernetes actuator is in
 * lib/k8s/ (loaded on demand).
 *
 * @example
 * ```ts
 * import { createDryRunActuator } from "./lib/actuator/mod.ts";
 * const actuator = createDryRunActuator({ replicas: 1, min: 1, max: 4, log: () => {} });
 * await actuator.scale(9); // { from: 1, to: 4, changed: true }
 * ```
 *
 * @module
 */
export { listReplicas } from "./dispatcher_admin.ts";
export { createDryRunActuator } from "./dry_run.ts";
export { LocalActuator } from "./local.ts";
export { type Actuator, type ActuatorPod, clampReplicas, type ScaleResult } from "./types.ts";
