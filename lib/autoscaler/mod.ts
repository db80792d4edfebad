/**
 * TODO autoscaler
 *
 * @module
 */
export { type Controller, createApp, createController, isLoopbackAddress } from "./app.ts";
export { AUTOSCALER_FLAGS, run, runCommand, windowSpec } from "./run.ts";
