/**
 * `deno task e2e [--full] [--only crash,prometheus,...] [--out DIR]`: the reliability and
 * security scenarios against real local stacks (e2e/command.ts).
 *
 * @module
 */
import { E2E_COMMAND } from "./e2e/mod.ts";
import { main } from "./lib/shared/mod.ts";

export { runScenarios } from "./e2e/mod.ts";

if (import.meta.main) await main(E2E_COMMAND);
