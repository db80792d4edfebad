/**
 * The autoscaler inside the simulator: the policy modules' own `decide` functions (the code the
 * live autoscaler runs), called directly with a spec resolved once by `resolveSpec`. Every
 * policy gets the run's replica bounds; `cpa` also the replica's capacity from the calibration
 * and the pipeline's rate window, unless the spec passed in sets them (lib/sim/README.md).
 *
 * @module
 */
import { DECIDE, type Observation, type PolicyName, resolveSpec } from "../policy/mod.ts";
import { batchMoments, type Calibration, saturationRate } from "./calibration.ts";

/** A policy bound to its spec, keeping its state between ticks. */
export interface PolicyController {
  /** The policy name. */
  readonly policy: PolicyName;
  /** The resolved spec it runs with. */
  readonly spec: unknown;
  /** One tick: the decision on `observation` (state carried over). */
  tick(observation: Observation): { desired: number; reason: string };
}

/** What the simulator adds to a policy's spec. */
export interface SimSpecContext {
  /** Lower replica bound. */
  minReplicas: number;
  /** Upper replica bound. */
  maxReplicas: number;
  /** The replica model. */
  calibration: Calibration;
  /** The replicas' largest batch. */
  maxBatch: number;
  /** Window of the pipeline's `rate()`, seconds (cpa reads interval rates out of it). */
  rateWindowSeconds?: number;
}

/**
 * cpa's replica capacity from a calibration, as an operator would set it: `serviceRatePerReplica`
 * = the saturation rate (full batches back to back), `serviceTimeSeconds` = a full batch's mean
 * service time. The simulator gives these to cpa; `compare --mode live` and `compare validate`
 * give them to the live autoscaler when a calibration of this machine is at hand.
 */
export function cpaServiceModel(
  calibration: Calibration,
  maxBatch: number,
): { serviceRatePerReplica: number; serviceTimeSeconds: number } {
  return {
    serviceRatePerReplica: saturationRate(calibration, maxBatch),
    serviceTimeSeconds: batchMoments(calibration, maxBatch).mean[maxBatch],
  };
}

/** The spec `policy` runs with in the simulator: simulator context, then `spec` on top. */
export function simSpec(
  policy: PolicyName,
  spec: Record<string, unknown> | undefined,
  context: SimSpecContext,
): Record<string, unknown> {
  const base: Record<string, unknown> = {
    minReplicas: context.minReplicas,
    maxReplicas: context.maxReplicas,
  };
  if (policy === "cpa") {
    Object.assign(base, cpaServiceModel(context.calibration, context.maxBatch));
    if (context.rateWindowSeconds !== undefined) {
      base.rateWindowSeconds = context.rateWindowSeconds;
    }
  }
  return { ...base, ...spec };
}

/** A controller running `policy` with `spec` (resolved once; throws on a bad spec). */
export function createPolicyController(
  policy: PolicyName,
  spec: Record<string, unknown>,
): PolicyController {
  const decide = DECIDE[policy];
  if (decide === undefined) {
    throw new RangeError(`policy must be one of ${Object.keys(DECIDE).join(", ")}: got ${policy}`);
  }
  const resolved = resolveSpec(policy, spec);
  let state: unknown = undefined;
  return {
    policy,
    spec: resolved,
    tick(observation) {
      const d = decide(resolved as never, state, observation);
      state = d.state;
      return { desired: d.desired, reason: d.reason };
    },
  };
}
