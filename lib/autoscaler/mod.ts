/**
 * TODO autoscaler
 *
 * @module
 */
export { type Controller, createApp, createController } from "./app.ts";
export { AUTOSCALER_FLAGS, run, runCommand, windowSpec } from "./run.ts";
