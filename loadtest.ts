/**
 * The load tester: open-loop, trace-driven load from rate lists, traces or shapes, with
 * wrk2-style corrected latency, a vegeta-style report and k6-style thresholds (lib/loadtest/).
 *
 * `deno task loadtest --endpoint http://127.0.0.1:5052/predict --workload 5,5,10 --out DIR`;
 * every flag is also an environment variable (`LOADTEST_SEED`, ...). See `--help`.
 *
 * @module
 */
import { LOADTEST_COMMAND } from "./lib/loadtest/mod.ts";
import { main } from "./lib/shared/mod.ts";

if (import.meta.main) await main(LOADTEST_COMMAND);
