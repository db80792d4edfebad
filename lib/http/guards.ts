/**
 * Access to an admin API: with a token, the bearer token (Hono's `bearerAuth`); without one,
 * loopback callers only (Hono's `ipRestriction` on the socket's address, IPv4-mapped IPv6
 * included). A refused caller gets the server's own 403 body.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { ipRestriction } from "hono/ip-restriction";

/** The loopback ranges: 127.0.0.0/8 and ::1 (with their IPv4-mapped forms). */
export const LOOPBACK = ["127.0.0.0/8", "::1"];

/** Options of {@link accessGuard}. */
export interface AccessGuardOptions {
  /** Bearer token; empty: loopback callers only. */
  token: string;
  /** The 403 answer, told which rule refused (`token` or `loopback`). */
  denied: (c: Context, rule: "token" | "loopback") => Response;
}

/** The socket's remote address from `Deno.serve`'s handler info, or "" when there is none. */
export function remoteAddress(c: Context): string {
  const env = c.env as { remoteAddr?: { hostname?: string } } | undefined;
  return env?.remoteAddr?.hostname ?? "";
}

/** RFC 6750's token syntax, the only tokens a bearer header can carry. */
const BEARER_TOKEN = /^[A-Za-z0-9._~+/-]+=*$/;

/**
 * Middleware that lets a request through only when {@link AccessGuardOptions} allow it; throws a
 * RangeError at once for a token that no `Authorization: Bearer` header could carry.
 */
export function accessGuard(options: AccessGuardOptions): MiddlewareHandler {
  if (options.token && !BEARER_TOKEN.test(options.token)) {
    throw new RangeError("the token must be letters, digits and ._~+/- (RFC 6750 b64token)");
  }
  if (options.token) {
    const refuse = (c: Context) => options.denied(c, "token");
    return bearerAuth({
      token: options.token,
      noAuthenticationHeader: { message: refuse },
      invalidAuthenticationHeader: { message: refuse },
      invalidToken: { message: refuse },
    });
  }
  const loopback = ipRestriction(
    remoteAddress,
    { allowList: LOOPBACK },
    (_, c) => options.denied(c, "loopback"),
  );
  return (c, next) =>
    remoteAddress(c) ? loopback(c, next) : Promise.resolve(options.denied(c, "loopback"));
}
