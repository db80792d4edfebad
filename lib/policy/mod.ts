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
  evaluate,
  type EvaluateOutput,
  InputError,
  POLICY_NAMES,
  type PolicyName,
  resolveSpec,
} from "./evaluate.ts";
export { erlangC } from "./queueing_model.ts";
export { type Observation, type PodObservation } from "./types.ts";
