/**
 * The comparison entry point: the same workload under several autoscaling policies, live on this
 * machine or simulated at cluster scale, one report. `deno task compare [run] --mode live|sim
 * --scenario NAME --policies LIST --out DIR [--sweep]` writes `DIR/index.html`, `summary.json`
 * and `seconds_<policy>.csv`; `calibrate` measures this machine's replica, `validate` runs one
 * workload live and simulated, `demo` (`deno task demo`) does both in minutes. Every flag is also
 * an environment variable (`COMPARE_MODE`, ...); the commands: lib/compare/README.md.
 *
 * @module
 */
import { main } from "./lib/shared/mod.ts";
import { COMPARE_COMMANDS } from "./lib/compare/mod.ts";

if (import.meta.main) await main(COMPARE_COMMANDS);
