/**
 * TODO dispatcher
 *
 * @module
 */
export { createApp, createHandler } from "./app.ts";
export { type BalancerName, BALANCERS, createBalancer, leastOutstanding } from "./balancer.ts";
export { startHealthChecks } from "./health_checks.ts";
export { ConnectionError, createHttp1Relay, UpstreamTimeoutError } from "./relay.ts";
export { ReplicaPool } from "./replica_pool.ts";
export { BoundedQueue } from "./request_queue.ts";
export { Dispatcher } from "./scheduler.ts";
