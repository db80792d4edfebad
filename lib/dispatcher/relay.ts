/**
 * Sends a buffered request to one replica and buffers its answer, classifying failures: a
 * failure before any response header ({@link ConnectionError}) may be retried elsewhere; once a
 * replica has answered, never. Bodies are buffered both ways: the request body must survive for
 * a retry, and a buffered small response is faster to relay than a streamed one. Two relays:
 * {@link createHttp1Relay} (the default: the project's keep-alive HTTP/1.1 client, which costs
 * less CPU per request than fetch, measured in lib/http1/README.md) and {@link createFetchRelay}
 * (Deno's fetch; also what the HTTP/1.1 relay uses for `https://` replicas).
 *
 * @module
 */
import { DeadlineSweep } from "../http/mod.ts";
import {
  Http1Call,
  Http1Client,
  Http1Error,
  type Http1Request,
  type Http1Response,
} from "../http1/mod.ts";

/** A request as the dispatcher relays it (body bytes untouched): path, method, headers, body. */
export type RelayRequest = Http1Request;

/** A replica's buffered answer: status, the headers worth relaying, body. */
export type RelayResponse = Http1Response;

/** The replica could not be reached or dropped the connection before answering. */
export class ConnectionError extends Error {
  /** Creates the error for `url`. */
  constructor(readonly url: string, cause: unknown) {
    super(
      `replica ${url} failed before answering: ${cause instanceof Error ? cause.message : cause}`,
    );
    this.name = "ConnectionError";
  }
}

/** The deadline passed while the replica was working on the request. */
export class UpstreamTimeoutError extends Error {
  /** Creates the error for `url`. */
  constructor(readonly url: string) {
    super(`replica ${url} did not answer before the deadline`);
    this.name = "UpstreamTimeoutError";
  }
}

/** Sends one request to one replica. */
export type Relay = (
  replicaUrl: string,
  request: RelayRequest,
  timeoutMs: number,
) => Promise<RelayResponse>;

/** Response headers relayed to the client. */
export const RELAYED_HEADERS = [
  "content-type",
  "x-replica",
  "retry-after",
  "inference-header-content-length",
];

/**
 * A {@link Relay} over Deno's fetch with its own keep-alive connection pool. Timeouts are
 * enforced by one {@link DeadlineSweep} every `sweepMs` rather than a timer per request (a
 * per-request `AbortSignal.timeout` costs a timer on the hot path).
 */
export function createFetchRelay(sweepMs = 25): Relay & { close(): void } {
  const client = Deno.createHttpClient({ http2: false, poolMaxIdlePerHost: 256 });
  const sweep = new DeadlineSweep(sweepMs);
  const relay = async (replicaUrl: string, request: RelayRequest, timeoutMs: number) => {
    const controller = new AbortController();
    const cancel = sweep.add(timeoutMs, () => controller.abort());
    try {
      return await send(replicaUrl, request, controller.signal);
    } finally {
      cancel();
    }
  };
  const send = async (replicaUrl: string, request: RelayRequest, signal: AbortSignal) => {
    let response: Response;
    try {
      response = await fetch(replicaUrl + request.path, {
        method: request.method,
        headers: request.headers,
        body: request.body as Uint8Array<ArrayBuffer> | null,
        signal,
        client,
      });
    } catch (err) {
      if (signal.aborted) throw new UpstreamTimeoutError(replicaUrl);
      throw new ConnectionError(replicaUrl, err);
    }
    const headers: Record<string, string> = {};
    for (const name of RELAYED_HEADERS) {
      const value = response.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    let body: Uint8Array;
    try {
      body = new Uint8Array(await response.arrayBuffer());
    } catch (err) {
      if (signal.aborted) throw new UpstreamTimeoutError(replicaUrl);
      throw new Error(`replica ${replicaUrl} broke off its answer: ${(err as Error).message}`);
    }
    return { status: response.status, headers, body };
  };
  return Object.assign(relay, { close: () => client.close() });
}

/** Closes idle upstream connections unused this long (a replica removed from the pool). */
const IDLE_MS = 30_000;

/**
 * A {@link Relay} over the project's HTTP/1.1 client (lib/http1/client.ts) with one keep-alive pool per
 * replica. Timeouts work as in {@link createFetchRelay}: one sweep every `sweepMs` aborts the
 * calls past their deadline (closing their connection). `https://` replicas go through fetch.
 */
export function createHttp1Relay(sweepMs = 25): Relay & { close(): void } {
  const client = new Http1Client({ keepHeaders: RELAYED_HEADERS });
  let tls: (Relay & { close(): void }) | undefined;
  const sweep = new DeadlineSweep(sweepMs);
  const idleCloser = setInterval(() => client.closeIdle(performance.now() - IDLE_MS), 1000);
  Deno.unrefTimer(idleCloser);
  const relay = async (replicaUrl: string, request: RelayRequest, timeoutMs: number) => {
    if (!replicaUrl.startsWith("http://")) {
      return await (tls ??= createFetchRelay(sweepMs))(replicaUrl, request, timeoutMs);
    }
    const call = new Http1Call();
    const cancel = sweep.add(timeoutMs, () => call.abort());
    try {
      return await client.request(replicaUrl, request, call);
    } catch (err) {
      if (call.aborted) throw new UpstreamTimeoutError(replicaUrl);
      if (err instanceof Http1Error && err.beforeAnswer) throw new ConnectionError(replicaUrl, err);
      throw new Error(`replica ${replicaUrl}: ${(err as Error).message}`);
    } finally {
      cancel();
    }
  };
  return Object.assign(relay, {
    close() {
      clearInterval(idleCloser);
      client.close();
      tls?.close();
    },
  });
}
