/**
 * TODO http
 *
 * @module
 */
export { createDeadlineSweep, readLimited, readPredictUpload } from "./body.ts";
export { DeadlineSweep } from "./deadline_sweep.ts";
export { errorResponse, HttpError } from "./errors.ts";
