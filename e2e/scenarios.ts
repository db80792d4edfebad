/**
 * The e2e scenarios by id, in run order.
 *
 * @module
 */
import * as badinput from "./bad_input.ts";
import * as crash from "./crash.ts";
import * as overload from "./overload.ts";
import * as prometheus from "./prometheus_outage.ts";
import * as slowclients from "./slow_clients.ts";
import * as soak from "./soak.ts";
import type { Scenario } from "./scenario.ts";

/** A registered scenario. */
export interface ScenarioEntry {
  /** Runs it. */
  run: Scenario;
  /** Runs only in the full suite (unless named with --only). */
  fullOnly?: boolean;
}

/** Every scenario. */
export const SCENARIOS = {
  crash: { run: crash.run },
  prometheus: { run: prometheus.run },
  badinput: { run: badinput.run },
  slowclients: { run: slowclients.run },
  overload: { run: overload.run },
  soak: { run: soak.run, fullOnly: true },
} satisfies Record<string, ScenarioEntry>;

/** A scenario id. */
export type ScenarioId = keyof typeof SCENARIOS;
