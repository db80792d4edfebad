/**
 * The dispatcher: the queueing front door (port 5052).
 *
 * `deno task dispatcher --port 5052 --replicas URL,URL --balancer least-outstanding|round-robin|p2c`
 * (or `--discovery kubernetes --k8s-service SVC`); every flag is also an environment variable
 * (`DISPATCHER_PORT`, ...). SIGTERM drains (lib/dispatcher/serve.ts).
 *
 * @module
 */
import { DISPATCHER_COMMAND } from "./lib/dispatcher/mod.ts";
import { main } from "./lib/shared/mod.ts";

export { DISPATCHER_FLAGS } from "./lib/dispatcher/mod.ts";

if (import.meta.main) await main(DISPATCHER_COMMAND);
