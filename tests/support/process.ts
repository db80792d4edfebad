/**
 * Test support: starting entry scripts as real processes (lib/script_process.ts).
 *
 * @module
 */
export * from "../../lib/script_process.ts";
