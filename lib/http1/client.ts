/**
 * The client: a pool of idle keep-alive connections per origin, one request at a time per
 * connection, and the retry of a stale idle connection. See README.md for the design.
 *
 * @module
 */
import { Http1Call, Http1Error, type Http1Request, type Http1Response } from "./call.ts";
import { bodyless, readBody } from "./body.ts";
import { connect, Connection } from "./connection.ts";
import { requestHead } from "./request.ts";

/** Options of {@link Http1Client}. */
export interface Http1Options {
  /** Response headers to return (lower-case names). */
  keepHeaders: readonly string[];
  /** Idle connections kept per origin (default 256). */
  maxIdlePerOrigin?: number;
  /** Largest response head, bytes (default 64 KiB). */
  maxHeadBytes?: number;
  /** Largest response body, bytes (default 512 MiB). */
  maxBodyBytes?: number;
}

const EMPTY = new Uint8Array(0);

interface Origin {
  hostname: string;
  port: number;
  /** `host` header value. */
  host: string;
  /** Base path of the replica URL ('' for none). */
  base: string;
  idle: Connection[];
}

/** A pool of keep-alive HTTP/1.1 connections to any number of `http://` origins. */
export class Http1Client {
  readonly #keep: ReadonlySet<string>;
  readonly #maxIdle: number;
  readonly #maxHead: number;
  readonly #maxBody: number;
  readonly #origins = new Map<string, Origin>();
  readonly #open = new Set<Connection>();
  readonly #forget = (c: Connection) => this.#open.delete(c);
  #closed = false;

  /** Creates the client. */
  constructor(options: Http1Options) {
    this.#keep = new Set(options.keepHeaders);
    this.#maxIdle = options.maxIdlePerOrigin ?? 256;
    this.#maxHead = options.maxHeadBytes ?? 64 * 1024;
    this.#maxBody = options.maxBodyBytes ?? 512 * 1024 * 1024;
  }

  /** Open connections (idle and busy). */
  get openConnections(): number {
    return this.#open.size;
  }

  /**
   * Sends `request` to `baseUrl` (`http://host:port[/base]`) and buffers the answer. A reused
   * idle connection the server had closed is retried once on a fresh one.
   */
  async request(baseUrl: string, request: Http1Request, call?: Http1Call): Promise<Http1Response> {
    if (this.#closed) throw new Http1Error("client closed", true);
    const origin = this.#origin(baseUrl);
    const head = requestHead(request, origin.base, origin.host);
    let conn = origin.idle.pop();
    for (;;) {
      const reused = conn !== undefined;
      if (conn === undefined) {
        conn = this.#track(await connect(origin.hostname, origin.port, call, this.#forget));
      }
      try {
        return await this.#exchange(origin, conn, request, head, call);
      } catch (err) {
        conn.close();
        if (call) call.cancel = undefined;
        if (call?.aborted || !reused || !(err instanceof Http1Error) || !err.stale) throw err;
        conn = undefined; // the server had closed this idle connection: once more, fresh
      }
    }
  }

  /**
   * Opens up to `count` connections to `baseUrl` and keeps them idle, so that the first requests
   * find them open; sends nothing. Resolves with how many were opened (failures are skipped:
   * the requests will open their own and report the error).
   */
  async preconnect(baseUrl: string, count: number): Promise<number> {
    const origin = this.#origin(baseUrl);
    const opened = await Promise.allSettled(
      Array.from(
        { length: count },
        () => connect(origin.hostname, origin.port, undefined, this.#forget),
      ),
    );
    let kept = 0;
    for (const result of opened) {
      if (result.status !== "fulfilled") continue;
      this.#release(origin, this.#track(result.value));
      kept++;
    }
    return kept;
  }

  /** Closes connections idle since before `before` (a `performance.now()` time). */
  closeIdle(before: number): void {
    for (const origin of this.#origins.values()) {
      let keep = 0;
      for (const c of origin.idle) {
        if (c.idleSince < before) c.close();
        else origin.idle[keep++] = c;
      }
      origin.idle.length = keep;
    }
  }

  /** Closes every connection; later requests fail. */
  close(): void {
    this.#closed = true;
    for (const c of [...this.#open]) c.close();
    for (const origin of this.#origins.values()) origin.idle.length = 0;
  }

  #origin(baseUrl: string): Origin {
    let origin = this.#origins.get(baseUrl);
    if (origin) return origin;
    const url = new URL(baseUrl);
    if (url.protocol !== "http:") throw new Http1Error(`not an http:// URL: ${baseUrl}`, false);
    origin = {
      hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: url.port ? Number(url.port) : 80,
      host: url.host,
      base: url.pathname.replace(/\/+$/, ""),
      idle: [],
    };
    this.#origins.set(baseUrl, origin);
    return origin;
  }

  /** Counts a new connection as open; closes it at once if the client closed meanwhile. */
  #track(conn: Connection): Connection {
    this.#open.add(conn);
    if (this.#closed) conn.close();
    return conn;
  }

  /** One request on `conn`: send, read the head and body, then pool or close the connection. */
  async #exchange(
    origin: Origin,
    conn: Connection,
    request: Http1Request,
    head: string,
    call: Http1Call | undefined,
  ): Promise<Http1Response> {
    if (call) {
      if (call.aborted) throw new Http1Error("aborted", true);
      call.cancel = () => conn.close();
    }
    const sendError = await conn.send(head, request.body ?? EMPTY);
    await conn.readHead(this.#maxHead, this.#keep, sendError);
    const { status, headers } = conn;
    if (status === 101) throw new Http1Error("unexpected protocol switch", false);
    if (sendError) conn.keepAlive = false;
    // Body: an error from here on is after the answer began.
    let body: Uint8Array;
    try {
      body = bodyless(request.method, status)
        ? EMPTY
        : await readBody(conn, this.#maxHead, this.#maxBody);
    } catch (err) {
      if (err instanceof Http1Error) throw err;
      throw new Http1Error(`answer broke off: ${(err as Error).message}`, false);
    }
    if (call) call.cancel = undefined;
    this.#release(origin, conn);
    return { status, headers, body };
  }

  /** Returns `conn` to its origin's idle pool if it can carry another request, else closes it. */
  #release(origin: Origin, conn: Connection): void {
    if (
      conn.keepAlive && conn.pos === conn.len && !conn.closed && !this.#closed &&
      origin.idle.length < this.#maxIdle
    ) {
      conn.idleSince = performance.now();
      origin.idle.push(conn);
    } else conn.close();
  }
}
