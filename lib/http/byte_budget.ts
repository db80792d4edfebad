/**
 * A bound on the request-body bytes a process holds at once (read, queued or being served), so
 * memory follows the budget rather than the queue's count times the largest body. A request
 * reserves its declared `Content-Length` before its body is read; one without a declared length
 * is accounted once read.
 *
 * @module
 */
import { HttpError } from "./errors.ts";

/** Bytes reserved by requests in hand, up to a limit. */
export class ByteBudget {
  #held = 0;

  /** Creates a budget of `limit` bytes. */
  constructor(readonly limit: number) {
    if (!(limit > 0)) throw new RangeError(`byte budget must be positive: got ${limit}`);
  }

  /** Bytes reserved now. */
  get held(): number {
    return this.#held;
  }

  /**
   * Reserves `bytes` if they fit; when nothing is held any single request fits, so a body within
   * the body limit is never refused for good. False when they do not fit.
   */
  tryTake(bytes: number): boolean {
    if (this.#held > 0 && this.#held + bytes > this.limit) return false;
    this.#held += bytes;
    return true;
  }

  /** Returns `bytes` taken earlier. */
  give(bytes: number): void {
    this.#held -= bytes;
  }

  /** The error for a request that does not fit: `status` with `Retry-After: 1`. */
  refusal(bytes: number, status: 429 | 503, code: string): HttpError {
    const mib = (n: number) => (n / 1048576).toFixed(1);
    return new HttpError(
      status,
      code,
      `${mib(this.#held)} MiB of request bodies in hand; ${mib(bytes)} MiB more is over the ` +
        `${mib(this.limit)} MiB budget`,
      1,
    );
  }
}

/** The request's declared body length, or undefined when it has none (chunked) or it is bad. */
export function declaredLength(request: Request): number | undefined {
  const raw = request.headers.get("content-length");
  return raw !== null && /^[0-9]{1,15}$/.test(raw) ? Number(raw) : undefined;
}
