/**
 * The HTTP layer the servers share: the JSON error contract, bounded body reading, the deadline
 * header and its sweep, the admin-API guard and the liveness and metrics routes.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { accessGuard, errorResponse, HttpError, probeRoutes } from "./lib/http/mod.ts";
 * const app = new Hono().route("/", probeRoutes(registry));
 * app.use("/admin/*", accessGuard({ token: "", denied: () => errorResponse(new HttpError(403, "forbidden", "loopback only")) }));
 * ```
 *
 * @module
 */
export {
  createDeadlineSweep,
  type Deadlines,
  mediaType,
  readLimited,
  type ReadOptions,
  readPredictUpload,
} from "./body.ts";
export { ByteBudget, declaredLength } from "./byte_budget.ts";
export { DEADLINE_HEADER } from "./deadline.ts";
export { bodyFlags } from "./flags.ts";
export { DeadlineSweep } from "./deadline_sweep.ts";
export { errorResponse, HttpError } from "./errors.ts";
export { badHostResponse, hostCheck, isValidHost } from "./host.ts";
export { accessGuard, type AccessGuardOptions, LOOPBACK, remoteAddress } from "./guards.ts";
export { probeRoutes } from "./probes.ts";
