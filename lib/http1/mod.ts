/**
 * A small keep-alive HTTP/1.1 client over `Deno.connect` for plain `http://` replicas: buffered
 * bodies, an idle pool per origin, failures that say whether the replica had answered
 * ({@link Http1Error.beforeAnswer}). Why and how: README.md.
 *
 * @example
 * ```ts
 * import { Http1Client } from "./lib/http1/mod.ts";
 * const client = new Http1Client({ keepHeaders: ["content-type"] });
 * const get = { method: "GET", path: "/healthz", headers: {}, body: null };
 * const res = await client.request("http://127.0.0.1:6001", get); // res.status, res.body
 * client.close();
 * ```
 *
 * @module
 */
export { Http1Call, Http1Error, type Http1Request, type Http1Response } from "./call.ts";
export { Http1Client, type Http1Options } from "./client.ts";
