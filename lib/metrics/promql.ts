/**
 * A Prometheus HTTP API client for instant queries (`GET /api/v1/query`), with a timeout per
 * query and typed errors.
 *
 * @module
 */
import type { VectorItem } from "./scraper.ts";

/** Why a query failed. */
export type PromQueryErrorKind = "unreachable" | "timeout" | "http" | "query" | "bad_response";

/** A failed query: `kind`, the query and the cause are in the message. */
export class PromQueryError extends Error {
  /** Creates the error. */
  constructor(readonly kind: PromQueryErrorKind, readonly query: string, message: string) {
    super(`prometheus query ${JSON.stringify(query)} failed (${kind}): ${message}`);
    this.name = "PromQueryError";
  }
}

/** Options of {@link instantQuery}. */
export interface QueryOptions {
  /** Abort the query after this many ms (also sent as Prometheus's `timeout`). */
  timeoutMs: number;
  /** Evaluation time, seconds since the epoch; absent = the server's now. */
  time?: number;
  /** Replaces the global fetch (tests). */
  fetch?: typeof fetch;
}

function sampleValue(raw: unknown, query: string): number {
  if (!Array.isArray(raw) || raw.length !== 2 || typeof raw[1] !== "string") {
    throw new PromQueryError(
      "bad_response",
      query,
      `sample is not [time, "value"]: ${JSON.stringify(raw)}`,
    );
  }
  const text = raw[1];
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  return Number(text);
}

/**
 * Parses the `data` of a query response: a vector gives one item per series, a scalar one item
 * with no labels; a matrix or string is an error (instant queries of this project give neither).
 */
export function parseQueryData(data: unknown, query: string): VectorItem[] {
  const d = data as { resultType?: unknown; result?: unknown } | undefined;
  if (d?.resultType === "scalar") return [{ labels: {}, value: sampleValue(d.result, query) }];
  if (d?.resultType !== "vector" || !Array.isArray(d.result)) {
    throw new PromQueryError(
      "bad_response",
      query,
      `expected a vector or scalar result: got ${JSON.stringify(d?.resultType)}`,
    );
  }
  return d.result.map((item: { metric?: Record<string, string>; value?: unknown }) => {
    const labels = { ...(item.metric ?? {}) };
    delete labels.__name__;
    return { labels, value: sampleValue(item.value, query) };
  });
}

/**
 * Runs one instant query; resolves the vector, rejects with {@link PromQueryError}.
 *
 * @example
 * ```ts
 * const v = await instantQuery("http://127.0.0.1:9090", "sum(dispatcher_queue_length)", {
 *   timeoutMs: 2000,
 * });
 * // [{ labels: {}, value: 3 }]
 * ```
 */
export async function instantQuery(
  baseUrl: string,
  query: string,
  options: QueryOptions,
): Promise<VectorItem[]> {
  const url = new URL(`${baseUrl.replace(/\/+$/, "")}/api/v1/query`);
  url.searchParams.set("query", query);
  url.searchParams.set("timeout", `${Math.max(1, Math.round(options.timeoutMs))}ms`);
  if (options.time !== undefined) url.searchParams.set("time", options.time.toFixed(3));
  const doFetch = options.fetch ?? fetch;
  let res: Response;
  let text: string;
  try {
    res = await doFetch(url, { signal: AbortSignal.timeout(options.timeoutMs) });
    text = await res.text();
  } catch (err) {
    const e = err as Error;
    if (e.name === "TimeoutError") {
      throw new PromQueryError(
        "timeout",
        query,
        `no answer from ${baseUrl} in ${options.timeoutMs} ms`,
      );
    }
    throw new PromQueryError("unreachable", query, `${baseUrl}: ${e.message}`);
  }
  let body: { status?: string; data?: unknown; errorType?: string; error?: string };
  try {
    body = JSON.parse(text);
  } catch {
    throw new PromQueryError(
      res.ok ? "bad_response" : "http",
      query,
      `HTTP ${res.status} with a non-JSON body: ${text.slice(0, 120)}`,
    );
  }
  if (body.status !== "success") {
    const kind = res.status === 400 || res.status === 422
      ? "query"
      : res.ok
      ? "bad_response"
      : "http";
    throw new PromQueryError(
      kind,
      query,
      `HTTP ${res.status} ${body.errorType ?? ""}: ${body.error ?? text.slice(0, 120)}`,
    );
  }
  return parseQueryData(body.data, query);
}
