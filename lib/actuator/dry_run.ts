/**
 * The `dry-run` actuator: decisions are logged, nothing is changed. The replica count it reports
 * is the live count when `observe` can read one (e.g. the dispatcher's ready replicas), otherwise
 * the fixed `replicas` it was given.
 *
 * @module
 */
import type { Logger } from "../shared/mod.ts";
import type { Actuator, ActuatorPod, ScaleResult } from "./types.ts";
import { clampReplicas } from "./types.ts";

/** Options of {@link createDryRunActuator}. */
export interface DryRunOptions {
  /** Replica count reported when `observe` is absent. */
  replicas: number;
  /** Bounds applied to the logged decision. */
  min: number;
  /** Bounds applied to the logged decision. */
  max: number;
  /** Reads the live pods (optional). */
  observe?: () => Promise<ActuatorPod[]>;
  /** Where `would_scale` events go. */
  log: Logger;
}

/** A dry-run actuator. */
export function createDryRunActuator(options: DryRunOptions): Actuator {
  const current = async () =>
    options.observe
      ? (await options.observe()).filter((p) => !p.deleting).length
      : options.replicas;
  return {
    kind: "dry-run",
    current,
    async scale(replicas: number): Promise<ScaleResult> {
      const from = await current();
      const to = clampReplicas(replicas, options);
      options.log("would_scale", { from, to });
      return { from, to, changed: false };
    },
    pods: () => options.observe ? options.observe() : Promise.resolve(undefined),
    close: () => Promise.resolve(),
  };
}
