/**
 * The autoscaler: `run` (the control loop, port 5000) and `evaluate` (one decision on stdin).
 *
 * `deno task autoscaler run --policy cpa --dispatcher http://127.0.0.1:5052 --actuator local`;
 * `deno task autoscaler evaluate [--state-file FILE] < input.json`. Every flag is also an
 * environment variable (`AUTOSCALER_POLICY`, ...). lib/autoscaler/README.md has the details.
 *
 * @module
 */
import { AUTOSCALER_COMMANDS } from "./lib/autoscaler/mod.ts";
import { main } from "./lib/shared/mod.ts";

export { AUTOSCALER_FLAGS } from "./lib/autoscaler/mod.ts";

if (import.meta.main) await main(AUTOSCALER_COMMANDS);
