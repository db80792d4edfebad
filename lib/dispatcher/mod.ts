/**
 * The dispatcher: a bounded central queue in front of the replicas, balancing, health checks,
 * retries of requests whose replica failed before answering, and the replica admin API.
 *
 * @example
 * ```ts
 * import { DISPATCHER_COMMAND } from "./lib/dispatcher/mod.ts";
 * import { main } from "./lib/shared/mod.ts";
 * await main(DISPATCHER_COMMAND); // deno task dispatcher --replicas http://127.0.0.1:6001
 * ```
 *
 * @module
 */
export { createApp, createHandler } from "./app.ts";
export { type BalancerName, BALANCERS, createBalancer, leastOutstanding } from "./balancer.ts";
export { DISPATCHER_FLAGS, type DispatcherOptions } from "./flags.ts";
export { startHealthChecks } from "./health_checks.ts";
export { ConnectionError, createHttp1Relay, UpstreamTimeoutError } from "./relay.ts";
export { ReplicaPool } from "./replica_pool.ts";
export { BoundedQueue } from "./request_queue.ts";
export { Dispatcher } from "./scheduler.ts";
export { DISPATCHER_COMMAND, run, type RunningDispatcher } from "./serve.ts";
