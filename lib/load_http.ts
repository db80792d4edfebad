/**
 * The load tester's HTTP sender: one `fetch` per request over Deno's keep-alive pool, with a
 * per-request timeout, the response body drained (so the connection is reused), the `x-replica`
 * header kept, and transport failures named by kind.
 *
 * @module
 */
import type { Payload } from "./load_payload.ts";
import type { Send, SendResult } from "./load_runner.ts";

/** Options of {@link createHttpSender}. */
export interface HttpSenderOptions {
  /** Target URL. */
  url: string;
  /** HTTP method (default POST when there are payloads, else GET). */
  method?: string;
  /** Bodies to send; none sends no body. */
  payloads: Payload[];
  /** Which payload request i carries (index into `payloads`). */
  picks?: Uint32Array;
  /** Per-request timeout in ms. */
  timeoutMs: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** The fetch to use (injected in tests). */
  fetch?: typeof fetch;
}

/**
 * Names a transport failure: `timeout`, `aborted`, `connection_refused`, `connection_reset`,
 * `dns`, or `network` for anything else.
 */
export function errorKind(error: unknown, timedOut: boolean, aborted: boolean): string {
  if (timedOut) return "timeout";
  if (aborted) return "aborted";
  const text = String(error instanceof Error ? `${error.message} ${error.cause ?? ""}` : error)
    .toLowerCase();
  if (text.includes("refused")) return "connection_refused";
  if (text.includes("reset") || text.includes("closed") || text.includes("broken pipe")) {
    return "connection_reset";
  }
  if (text.includes("dns") || text.includes("lookup") || text.includes("resolve")) return "dns";
  return "network";
}

/** Creates the {@link Send} function of the runner. */
export function createHttpSender(options: HttpSenderOptions): Send {
  const doFetch = options.fetch ?? fetch;
  const method = options.method ?? (options.payloads.length ? "POST" : "GET");
  return async (index, signal): Promise<SendResult> => {
    const payload = options.payloads.length
      ? options.payloads[options.picks?.[index] ?? index % options.payloads.length]
      : undefined;
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const headers: Record<string, string> = { ...options.headers };
    if (payload) headers["content-type"] = payload.contentType;
    try {
      const response = await doFetch(options.url, {
        method,
        headers,
        body: payload?.body,
        signal: AbortSignal.any([signal, timeout]),
      });
      await response.arrayBuffer();
      const replica = response.headers.get("x-replica") ?? undefined;
      return { status: response.status, replica };
    } catch (error) {
      return { status: 0, error: errorKind(error, timeout.aborted, signal.aborted) };
    }
  };
}
