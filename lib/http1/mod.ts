/**
 * TODO http1
 *
 * @module
 */
export {
  Http1Call,
  Http1Client,
  Http1Error,
  type Http1Request,
  type Http1Response,
} from "./client.ts";
