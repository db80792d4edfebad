/**
 * One call's vocabulary: the request sent, the buffered response, the failure (saying whether it
 * happened before the replica answered) and the abort handle.
 *
 * @module
 */

/** A request as sent (path and query already validated by the caller's URL parser). */
export interface Http1Request {
  /** HTTP method. */
  method: string;
  /** Path and query, e.g. `/predict?topk=3`. */
  path: string;
  /** Request headers (lower-case names; `host` and `content-length` are set by the client). */
  headers: Record<string, string>;
  /** Body bytes, or null. */
  body: Uint8Array | null;
}

/** A buffered answer. */
export interface Http1Response {
  /** HTTP status. */
  status: number;
  /** The response headers named in the client's `keepHeaders` option (lower-case). */
  headers: Record<string, string>;
  /** Body bytes. */
  body: Uint8Array;
}

/**
 * A failed exchange. `beforeAnswer`: no complete response head had arrived, so the replica has not
 * answered and the caller may retry elsewhere. `stale`: a reused keep-alive connection the server
 * had closed (closed or reset before any response byte); the client retries those itself.
 */
export class Http1Error extends Error {
  /** Creates the error; `beforeAnswer`: no complete response head had arrived. */
  constructor(message: string, readonly beforeAnswer: boolean, readonly stale = false) {
    super(message);
    this.name = "Http1Error";
  }
}

/**
 * One call's cancellation handle: {@link Http1Call.abort} closes its connection (or gives up on
 * the connect), so the pending request fails at once. Cheaper than an `AbortSignal` per call.
 */
export class Http1Call {
  /** Set by {@link Http1Call.abort}. */
  aborted = false;
  /** What aborting does at this moment (set by the client). */
  cancel: (() => void) | undefined = undefined;

  /** Aborts the call. */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.cancel?.();
  }
}
