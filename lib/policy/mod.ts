/**
 * The scaling policies (`hpa`, `cpa-seed`, `cpa`, `kpa`, `queue`) as pure functions
 * `decide(spec, state, observation)`, and `evaluate`, the contract of `autoscaler.ts evaluate`.
 * The models and their sources: lib/policy/README.md.
 *
 * @example
 * ```ts
 * import { evaluate } from "./lib/policy/mod.ts";
 * const observation = { now: 0, currentReplicas: 2, queueLength: 50 };
 * const out = evaluate({ policy: "queue", observation });
 * // out.targetReplicas === 5; pass out.state back with the next observation
 * ```
 *
 * @module
 */
export {
  DECIDE,
  type Decide,
  evaluate,
  type EvaluateOutput,
  InputError,
  POLICY_NAMES,
  type PolicyName,
  type PolicySpecs,
  resolveSpec,
} from "./evaluate.ts";
export { type Behavior, type ScalingPolicy, type ScalingRules } from "./behavior.ts";
export { type CpaSpec } from "./cpa.ts";
export { type CpaSeedSpec } from "./cpa_seed.ts";
export { type HpaSpec } from "./hpa.ts";
export { type KpaSpec } from "./kpa.ts";
export { type QueueSpec } from "./queue_length.ts";
export { erlangC } from "./queueing_model.ts";
export {
  type Decision,
  type Observation,
  type PodObservation,
  type PodPhase,
  type ReplicaBounds,
} from "./types.ts";
