/**
 * The load tester's HTTP sender: each request over the project's keep-alive HTTP/1.1 client or
 * Deno's fetch, with a per-request timeout, the response body drained (so the connection is
 * reused), the `x-replica` header kept, and transport failures named by kind.
 *
 * @module
 */
import { Http1Call, Http1Client, type Http1Request } from "../http1/mod.ts";
import type { Payload } from "./payload.ts";
import type { Send, SendResult } from "./runner.ts";

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
  /** The fetch to use (injected in tests; implies `client: "fetch"`). */
  fetch?: typeof fetch;
  /**
   * `http1`: the project's keep-alive HTTP/1.1 client (`lib/http1/client.ts`, `http:` only, the default
   * there); `fetch`: Deno's fetch (the default for `https:`, and when `fetch` is injected).
   */
  client?: HttpClientKind;
}

/** Which HTTP client sends the requests. */
export type HttpClientKind = "http1" | "fetch";

/** A {@link Send} that holds connections: `close` ends them (call it once the run is over). */
export type Sender = Send & {
  close(): void;
  /** Opens up to `count` connections before the run, sending nothing; resolves with how many. */
  preconnect(count: number): Promise<number>;
};

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
 * Creates the {@link Send} function of the runner, over the HTTP/1.1 client or `fetch` (see
 * {@link HttpSenderOptions.client}).
 *
 * Why HTTP/1.1 over `Deno.connect` by default: a `fetch` round trip costs ~0.25 ms of CPU on the
 * load tester's one thread in Deno 2.9 (Request/Headers objects, streams, promises), the HTTP/1.1
 * client ~0.06 ms. At 1,000–2,000 req/s on a shared machine that is the difference between an
 * event loop that keeps the schedule and one that falls behind it (schedule lag, late `done`
 * stamps, drops at `--max-inflight`): bench/loadtest_bench.ts, `--client fetch` for the A/B.
 *
 * No `AbortSignal` per request either (in Deno 2.9 a signal per `fetch` costs tens of ms of
 * event-loop time per second at 1,000 req/s): one sweep timer (every `timeoutMs / 10`, at most
 * 100 ms, running only while requests are in flight) settles overdue requests as `timeout` (the
 * HTTP/1.1 client closes their connection; a fetch finishes in the background and its body is
 * drained, so its connection returns to the pool), and the runner's abort settles the rest as
 * `aborted` and closes the connections.
 */
export function createHttpSender(options: HttpSenderOptions): Sender {
  const method = options.method ?? (options.payloads.length ? "POST" : "GET");
  const url = new URL(options.url);
  const kind = options.client ??
    (options.fetch || url.protocol !== "http:" ? "fetch" : "http1");
  const { exchange, close, preconnect } = kind === "http1"
    ? http1Exchange(url, method, options)
    : fetchExchange(method, options);
  const inFlight = new Set<InFlight>();
  const watched = new WeakSet<AbortSignal>();
  let sweeper: ReturnType<typeof setInterval> | undefined;
  const sweepMs = Math.min(100, Math.max(1, options.timeoutMs / 10));
  const sweep = () => {
    const now = performance.now();
    for (const entry of inFlight) {
      if (now >= entry.deadline) {
        entry.settle({ status: 0, error: "timeout" });
        entry.cancel?.();
      }
    }
  };
  const send = (index: number, signal: AbortSignal) =>
    new Promise<SendResult>((resolve) => {
      if (!watched.has(signal)) {
        watched.add(signal);
        signal.addEventListener("abort", () => {
          for (const entry of inFlight) entry.settle({ status: 0, error: "aborted" });
          close();
        }, { once: true });
      }
      const entry: InFlight = {
        deadline: performance.now() + options.timeoutMs,
        settled: false,
        settle(result) {
          if (entry.settled) return;
          entry.settled = true;
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
      exchange(pick, entry).then(entry.settle);
    });
  return Object.assign(send, {
    preconnect,
    close() {
      clearInterval(sweeper);
      sweeper = undefined;
      close();
    },
  });
}

/**
 * Sends a request carrying payload `pick` (-1: none); resolves, never rejects. May set
 * `entry.cancel` to what ends the request early (on timeout).
 */
type Exchange = (pick: number, entry: InFlight) => Promise<SendResult>;

/** One client's way of sending, closing and opening connections ahead. */
interface Transport {
  exchange: Exchange;
  close(): void;
  preconnect(count: number): Promise<number>;
}

function fetchExchange(method: string, options: HttpSenderOptions): Transport {
  const doFetch = options.fetch ?? fetch;
  const headersFor = options.payloads.map((p) => ({
    ...options.headers,
    "content-type": p.contentType,
  }));
  const plainHeaders = { ...options.headers };
  return {
    exchange: (pick) =>
      doFetch(options.url, {
        method,
        headers: pick < 0 ? plainHeaders : headersFor[pick],
        body: pick < 0 ? undefined : options.payloads[pick].body,
      }).then(async (response): Promise<SendResult> => {
        const replica = response.headers.get("x-replica") ?? undefined;
        await response.arrayBuffer();
        return { status: response.status, replica };
      }).catch((error) => ({ status: 0, error: errorKind(error, false, false) })),
    close() {},
    // fetch opens connections only with a request: none are opened ahead
    preconnect: () => Promise.resolve(0),
  };
}

/**
 * Connects in progress beyond the open connections: a request that finds every connection busy
 * opens a new one only while fewer than this many are being opened, else it waits for the first
 * connection to come free. Without the bound, a server that slows for a moment gets a new
 * connection per waiting request: 2,000 req/s against the 20 ms bench server on a busy machine
 * grew to 300–1,000 connections (50 suffice), and accepting them stalled the server for seconds.
 */
const MAX_CONNECTING = 8;

function http1Exchange(url: URL, method: string, options: HttpSenderOptions): Transport {
  const client = new Http1Client({ keepHeaders: ["x-replica"] });
  const origin = url.origin;
  const path = `${url.pathname}${url.search}`;
  const headers = options.headers ?? {};
  const requests: Http1Request[] = options.payloads.map((p) => ({
    method,
    path,
    headers: { ...headers, "content-type": p.contentType },
    body: p.body,
  }));
  const plain: Http1Request = { method, path, headers, body: null };
  let inside = 0; // requests handed to the client
  let waiting: (() => void)[] = [];
  let head = 0;
  const admit = () => {
    while (head < waiting.length && inside < client.openConnections + MAX_CONNECTING) {
      inside++;
      waiting[head++]();
    }
    if (head > 1024 && head * 2 > waiting.length) {
      waiting = waiting.slice(head);
      head = 0;
    }
  };
  return {
    async exchange(pick, entry) {
      if (head < waiting.length || inside >= client.openConnections + MAX_CONNECTING) {
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          admit(); // room may have come with a finished connect
        });
      } else inside++;
      const call = new Http1Call();
      try {
        if (entry.settled) return { status: 0, error: "aborted" }; // timed out while waiting
        entry.cancel = () => call.abort();
        const response = await client.request(origin, pick < 0 ? plain : requests[pick], call);
        return { status: response.status, replica: response.headers["x-replica"] };
      } catch (error) {
        return { status: 0, error: errorKind(error, false, call.aborted) };
      } finally {
        inside--;
        admit();
      }
    },
    preconnect: (count) => client.preconnect(origin, count),
    close() {
      client.close();
      for (const resolve of waiting.slice(head)) {
        inside++;
        resolve();
      }
      waiting = [];
      head = 0;
    },
  };
}

interface InFlight {
  deadline: number;
  settled: boolean;
  settle(result: SendResult): void;
  cancel?: () => void;
}
