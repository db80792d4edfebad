/**
 * The request deadline header: epoch milliseconds after which the answer is of no use. The
 * dispatcher sets it on every relayed request; the replica drops work whose deadline passed.
 *
 * @module
 */

/** Header carrying a request's deadline, epoch milliseconds. */
export const DEADLINE_HEADER = "x-request-deadline-ms";
