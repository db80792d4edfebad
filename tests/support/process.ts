/**
 * Test support: starting entry scripts as real processes (lib/shared/script_process.ts).
 *
 * @module
 */
export { type Started, startScript } from "../../lib/shared/mod.ts";
