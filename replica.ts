/**
 * The replica: ResNet18 behind HTTP with dynamic batching (port 6000).
 *
 * `deno task replica --port 6000 --backend wasm|native --threads N --max-batch 8`; every flag is
 * also an environment variable (`REPLICA_PORT`, ...). SIGTERM drains (lib/replica/serve.ts).
 *
 * @module
 */
import { REPLICA_COMMAND } from "./lib/replica/mod.ts";
import { main } from "./lib/shared/mod.ts";

export { REPLICA_FLAGS } from "./lib/replica/mod.ts";

if (import.meta.main) await main(REPLICA_COMMAND);
