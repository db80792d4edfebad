/**
 * The autoscaler's commands: `run` (the control loop) and `evaluate` (one decision).
 *
 * @module
 */
import type { CommandSet } from "../shared/mod.ts";
import { AUTOSCALER_USAGE, EVALUATE_COMMAND } from "./evaluate_command.ts";
import { RUN_COMMAND } from "./run.ts";

/** `autoscaler.ts run|evaluate`. */
export const AUTOSCALER_COMMANDS: CommandSet = {
  name: "autoscaler",
  usage: AUTOSCALER_USAGE,
  commands: { run: RUN_COMMAND, evaluate: EVALUATE_COMMAND },
};
