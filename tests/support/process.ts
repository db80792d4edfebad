/**
 * Test support: starting entry scripts as real processes (lib/shared/script_process.ts).
 *
 * @module
 */
export * from "../../lib/shared/script_process.ts";
