/**
 * The JSON error contract shared by the replica and the dispatcher:
 * `{"success": false, "error": {"code", "message"}}` with the statuses listed in docs/DESIGN.md.
 *
 * @module
 */

/** An error that knows its HTTP status, error code and optional `Retry-After` seconds. */
export class HttpError extends Error {
  /** Creates the error. */
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** The JSON body of an error response. */
export interface ErrorBody {
  /** Always `false`. */
  success: false;
  /** The error code (machine-readable) and message (for people). */
  error: { code: string; message: string };
}

/** Builds the error response for `err`, adding `Retry-After` when set. */
export function errorResponse(err: HttpError, headers: Record<string, string> = {}): Response {
  const body: ErrorBody = { success: false, error: { code: err.code, message: err.message } };
  const all: Record<string, string> = { "content-type": "application/json", ...headers };
  if (err.retryAfterSeconds !== undefined) all["retry-after"] = String(err.retryAfterSeconds);
  return new Response(JSON.stringify(body), { status: err.status, headers: all });
}
