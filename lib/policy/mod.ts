/**
 * TODO policy
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
