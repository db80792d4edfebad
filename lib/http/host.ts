/**
 * The `Host` header's syntax, checked before routing: Deno builds `Request.url` from the Host
 * header and the request target, so a Host carrying a path or query (`127.0.0.1/admin?x=`)
 * would otherwise choose the route. A Host that is not `host[:port]` is refused with 400.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { errorResponse, HttpError } from "./errors.ts";

/** A registered name or IPv4 address, or a bracketed IPv6 address, then an optional port. */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(?::\d{1,5})?$/;

/** True when `host` (a Host header, or null when absent) is absent or plain `host[:port]`. */
export function isValidHost(host: string | null): boolean {
  return host === null || HOST.test(host);
}

/** The 400 answer to a request whose Host header is not `host[:port]`. */
export function badHostResponse(host: string): Response {
  const shown = host.length > 80 ? `${host.slice(0, 77)}...` : host;
  return errorResponse(
    new HttpError(
      400,
      "malformed_request",
      `Host must be host[:port]: got ${JSON.stringify(shown)}`,
    ),
  );
}

/** Hono middleware refusing requests whose Host header is not `host[:port]`. */
export const hostCheck: MiddlewareHandler = async (c, next) => {
  const host = c.req.raw.headers.get("host");
  if (!isValidHost(host)) return badHostResponse(host!);
  await next();
};
