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

/**
 * Creates the {@link Send} function of the runner.
 *
 * No `AbortSignal` is handed to `fetch`: in Deno 2.9 a signal per request costs tens of
 * milliseconds of event-loop time per second at 1,000 req/s (schedule lag p99 6 → 40 ms).
 * Instead one sweep timer (every `timeoutMs / 10`, at most 100 ms, running only while requests
 * are in flight) settles overdue requests as `timeout`, and the runner's abort settles the rest
 * as `aborted`. A settled request's fetch finishes in the background and its body is drained, so
 * the connection returns to the keep-alive pool.
 */
export function createHttpSender(options: HttpSenderOptions): Send {
  const doFetch = options.fetch ?? fetch;
  const method = options.method ?? (options.payloads.length ? "POST" : "GET");
  const headersFor = options.payloads.map((p) => ({
    ...options.headers,
    "content-type": p.contentType,
  }));
  const plainHeaders = { ...options.headers };
  const inFlight = new Set<InFlight>();
  const watched = new WeakSet<AbortSignal>();
  let sweeper: ReturnType<typeof setInterval> | undefined;
  const sweepMs = Math.min(100, Math.max(1, options.timeoutMs / 10));
  const sweep = () => {
    const now = performance.now();
    for (const entry of inFlight) {
      if (now >= entry.deadline) entry.settle({ status: 0, error: "timeout" });
    }
  };
  return (index, signal) =>
    new Promise<SendResult>((resolve) => {
      if (!watched.has(signal)) {
        watched.add(signal);
        signal.addEventListener("abort", () => {
          for (const entry of inFlight) entry.settle({ status: 0, error: "aborted" });
        }, { once: true });
      }
      let settled = false;
      const entry: InFlight = {
        deadline: performance.now() + options.timeoutMs,
        settle(result) {
          if (settled) return;
          settled = true;
          inFlight.delete(entry);
          if (inFlight.size === 0 && sweeper !== undefined) {
            clearInterval(sweeper);
            sweeper = undefined;
          }
          resolve(result);
        },
      };
      if (signal.aborted) return entry.settle({ status: 0, error: "aborted" });
      inFlight.add(entry);
      sweeper ??= setInterval(sweep, sweepMs);
      const pick = options.payloads.length
        ? options.picks?.[index] ?? index % options.payloads.length
        : -1;
      doFetch(options.url, {
        method,
        headers: pick < 0 ? plainHeaders : headersFor[pick],
        body: pick < 0 ? undefined : options.payloads[pick].body,
      }).then(async (response) => {
        const replica = response.headers.get("x-replica") ?? undefined;
        await response.arrayBuffer();
        entry.settle({ status: response.status, replica });
      }).catch((error) => entry.settle({ status: 0, error: errorKind(error, false, false) }));
    });
}

interface InFlight {
  deadline: number;
  settle(result: SendResult): void;
}
