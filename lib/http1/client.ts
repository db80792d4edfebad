/**
 * A small keep-alive HTTP/1.1 client over `Deno.connect`, for the dispatcher's relay to plain
 * `http://` replicas. It does what the relay needs and no more: one request at a time per
 * connection (no pipelining), bodies buffered both ways, `Content-Length`, chunked and
 * read-to-close response bodies, 1xx interim answers skipped, an idle pool per origin.
 *
 * Why not `fetch`: relaying a small request through Deno's fetch costs about twice the CPU of this
 * client (streams, `Request`/`Headers` objects, an `AbortSignal` per call); node:http with a
 * keep-alive Agent and undici's Pool under Deno cost about as much as fetch (measured with
 * bench/dispatcher_bench.ts's setup: a minimal Deno.serve proxy to a no-op upstream spent ~125 µs
 * CPU per request with fetch, ~110-120 with node:http, ~135 with undici, ~60 with this client).
 *
 * Failures say when they happened ({@link Http1Error.beforeAnswer}): before a complete response
 * head (connect refused, reset, closed) the replica has not answered and the caller may retry
 * elsewhere; after it, never. A reused keep-alive connection that the server had closed (closed
 * or reset before any response byte) is retried once on a fresh connection here, so a stale idle
 * socket is never mistaken for a dead replica.
 *
 * @module
 */
import { concatBytes } from "../shared/mod.ts";

/** A request as sent (path and query already validated by the caller's URL parser). */
export interface Http1Request {
  /** HTTP method. */
  method: string;
  /** Path and query, e.g. `/predict?topk=3`. */
  path: string;
  /** Request headers (lower-case names; `host` and `content-length` are set here). */
  headers: Record<string, string>;
  /** Body bytes, or null. */
  body: Uint8Array | null;
}

/** A buffered answer. */
export interface Http1Response {
  /** HTTP status. */
  status: number;
  /** The response headers named in {@link Http1Options.keepHeaders} (lower-case). */
  headers: Record<string, string>;
  /** Body bytes. */
  body: Uint8Array;
}

/** A failed exchange. */
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
const CR = 13;
const LF = 10;
/** Request bodies up to this size are copied behind the head and sent in one write. */
const COALESCE_BYTES = 64 * 1024;
const INITIAL_BUFFER = 16 * 1024;

class Connection {
  buf = new Uint8Array(INITIAL_BUFFER);
  /** Unconsumed bytes are `buf[pos, len)`. */
  pos = 0;
  len = 0;
  idleSince = 0;
  closed = false;

  constructor(readonly conn: Deno.TcpConn, readonly onClose: (c: Connection) => void) {}

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.conn.close();
    } catch {
      // already closed by the runtime
    }
    this.onClose(this);
  }

  /** Reads more bytes behind `len`; false at end of stream. Grows the buffer up to `max`. */
  async fill(max: number): Promise<boolean> {
    if (this.pos === this.len) this.pos = this.len = 0;
    if (this.len === this.buf.length) {
      if (this.pos > 0) {
        this.buf.copyWithin(0, this.pos, this.len);
        this.len -= this.pos;
        this.pos = 0;
      } else {
        if (this.buf.length >= max) throw new Http1Error(`response head over ${max} bytes`, false);
        const bigger = new Uint8Array(Math.min(max, this.buf.length * 2));
        bigger.set(this.buf.subarray(0, this.len));
        this.buf = bigger;
      }
    }
    const n = await this.conn.read(this.len === 0 ? this.buf : this.buf.subarray(this.len));
    if (n === null) return false;
    this.len += n;
    return true;
  }

  /** Index of the next CRLF at or after `pos`, or -1. */
  lineEnd(from: number): number {
    const buf = this.buf;
    for (let i = from; i + 1 < this.len; i++) {
      if (buf[i] === CR && buf[i + 1] === LF) return i;
    }
    return -1;
  }
}

interface Origin {
  hostname: string;
  port: number;
  /** `host` header value. */
  host: string;
  /** Base path of the replica URL ('' for none). */
  base: string;
  idle: Connection[];
}

function latin1(buf: Uint8Array, from: number, to: number): string {
  let s = "";
  for (let i = from; i < to; i += 4096) {
    s += String.fromCharCode.apply(
      null,
      buf.subarray(i, Math.min(to, i + 4096)) as unknown as number[],
    );
  }
  return s;
}

/** Writes `text` as bytes (each char one byte) at `at`; throws on a char over 0xff or CR/LF. */
function putLatin1(text: string, out: Uint8Array, at: number): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) throw new Http1Error(`request head has a non-latin1 character`, false);
    out[at++] = c;
  }
  return at;
}

const UNSAFE_HEAD = /[\r\n\0]/;

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

  /** Sends `request` to `baseUrl` (`http://host:port[/base]`) and buffers the answer. */
  async request(baseUrl: string, request: Http1Request, call?: Http1Call): Promise<Http1Response> {
    if (this.#closed) throw new Http1Error("client closed", true);
    const origin = this.#origin(baseUrl);
    const head = this.#head(origin, request);
    let conn = origin.idle.pop();
    for (;;) {
      const reused = conn !== undefined;
      if (conn === undefined) conn = await this.#connect(origin, call);
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

  #head(origin: Origin, request: Http1Request): string {
    const { method, path, headers, body } = request;
    if (!/^[A-Z]+$/.test(method) || path[0] !== "/" || /[^\x21-\x7e]/.test(path)) {
      throw new Http1Error(`refusing to send ${method} ${JSON.stringify(path)}`, false);
    }
    let head = `${method} ${origin.base}${path} HTTP/1.1\r\nhost: ${origin.host}\r\n`;
    if (body !== null || method === "POST" || method === "PUT" || method === "PATCH") {
      head += `content-length: ${body?.length ?? 0}\r\n`;
    }
    for (const name in headers) {
      const value = headers[name];
      if (name === "host" || name === "content-length" || name === "transfer-encoding") continue;
      if (UNSAFE_HEAD.test(name) || UNSAFE_HEAD.test(value)) {
        throw new Http1Error(`refusing to send header ${JSON.stringify(name)}`, false);
      }
      head += `${name}: ${value}\r\n`;
    }
    return head + "\r\n";
  }

  async #connect(origin: Origin, call: Http1Call | undefined): Promise<Connection> {
    if (call?.aborted) throw new Http1Error("aborted", true);
    const pending = Deno.connect({ hostname: origin.hostname, port: origin.port });
    let tcp: Deno.TcpConn;
    try {
      tcp = call
        ? await new Promise<Deno.TcpConn>((resolve, reject) => {
          call.cancel = () => {
            reject(new Http1Error("aborted while connecting", true));
            pending.then((c) => c.close(), () => {});
          };
          pending.then(resolve, reject);
        })
        : await pending;
    } catch (err) {
      if (err instanceof Http1Error) throw err;
      throw new Http1Error(`connect: ${(err as Error).message}`, true);
    } finally {
      if (call) call.cancel = undefined;
    }
    tcp.setNoDelay(true);
    const conn = new Connection(tcp, this.#forget);
    this.#open.add(conn);
    if (this.#closed) conn.close();
    return conn;
  }

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
    conn.pos = conn.len = 0;
    // Send. A failure here is before any answer, and on a reused connection a stale one; but a
    // server may answer early (413 to a long body) and close: so read what answer there is.
    const body = request.body ?? EMPTY;
    let sendError: Http1Error | undefined;
    try {
      if (body.length <= COALESCE_BYTES) {
        const out = new Uint8Array(head.length + body.length);
        out.set(body, putLatin1(head, out, 0));
        await writeAll(conn.conn, out);
      } else {
        const out = new Uint8Array(head.length);
        putLatin1(head, out, 0);
        await writeAll(conn.conn, out);
        await writeAll(conn.conn, body);
      }
    } catch (err) {
      if (err instanceof Http1Error) throw err;
      sendError = new Http1Error(`send: ${(err as Error).message}`, true, true);
    }
    // Response head (skipping 1xx interim answers).
    let status = 0;
    let headers: Record<string, string> = {};
    let length = -1;
    let chunked = false;
    let keepAlive = true;
    let seen = false;
    for (;;) {
      let end = findHeadEnd(conn.buf, conn.pos, conn.len);
      while (end < 0) {
        let more: boolean;
        try {
          more = await conn.fill(this.#maxHead);
        } catch (err) {
          if (err instanceof Http1Error) throw err;
          throw sendError ?? new Http1Error(
            `no answer: ${(err as Error).message}`,
            true,
            !seen && conn.len === 0,
          );
        }
        if (!more) {
          throw sendError ??
            new Http1Error("connection closed before an answer", true, !seen && conn.len === 0);
        }
        end = findHeadEnd(conn.buf, conn.pos, conn.len);
      }
      seen = true;
      const lines = latin1(conn.buf, conn.pos, end).split("\r\n");
      conn.pos = end + 4;
      const m = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]);
      if (!m) throw new Http1Error(`malformed status line ${JSON.stringify(lines[0])}`, false);
      status = Number(m[2]);
      keepAlive = m[1] === "1";
      headers = {};
      length = -1;
      chunked = false;
      for (let i = 1; i < lines.length; i++) {
        const line = lines[i];
        const colon = line.indexOf(":");
        if (colon <= 0) throw new Http1Error(`malformed header line`, false);
        const name = line.slice(0, colon).toLowerCase();
        const value = line.slice(colon + 1).trim();
        if (name === "content-length") {
          if (!/^\d+$/.test(value) || (length >= 0 && length !== Number(value))) {
            throw new Http1Error(`bad content-length ${JSON.stringify(value)}`, false);
          }
          length = Number(value);
        } else if (name === "transfer-encoding") {
          chunked = /(^|,)\s*chunked\s*$/i.test(value);
          if (!chunked) keepAlive = false; // another coding: read to close
        } else if (name === "connection") {
          const v = value.toLowerCase();
          if (/(^|,)\s*close\s*(,|$)/.test(v)) keepAlive = false;
          else if (/(^|,)\s*keep-alive\s*(,|$)/.test(v) && m[1] === "0") keepAlive = true;
        }
        if (this.#keep.has(name)) {
          headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
        }
      }
      if (status >= 200 || status === 101) break;
    }
    if (status === 101) throw new Http1Error("unexpected protocol switch", false);
    if (sendError) keepAlive = false;
    // Body: an error from here on is after the answer began.
    let answer: Uint8Array;
    try {
      if (request.method === "HEAD" || status === 204 || status === 304) {
        answer = EMPTY;
      } else if (chunked) {
        answer = await this.#chunked(conn);
      } else if (length >= 0) {
        answer = await this.#exact(conn, length);
      } else {
        keepAlive = false;
        answer = await this.#toClose(conn);
      }
    } catch (err) {
      if (err instanceof Http1Error) throw err;
      throw new Http1Error(`answer broke off: ${(err as Error).message}`, false);
    }
    if (call) call.cancel = undefined;
    if (keepAlive && conn.pos === conn.len && !conn.closed && !this.#closed) {
      if (origin.idle.length < this.#maxIdle) {
        conn.idleSince = performance.now();
        origin.idle.push(conn);
      } else conn.close();
    } else conn.close();
    return { status, headers, body: answer };
  }

  async #exact(conn: Connection, length: number): Promise<Uint8Array> {
    if (length > this.#maxBody) {
      throw new Http1Error(`answer of ${length} bytes is too large`, false);
    }
    const have = conn.len - conn.pos;
    if (have >= length) {
      const out = conn.buf.slice(conn.pos, conn.pos + length);
      conn.pos += length;
      return out;
    }
    const out = new Uint8Array(length);
    out.set(conn.buf.subarray(conn.pos, conn.len));
    conn.pos = conn.len = 0;
    for (let got = have; got < length;) {
      const n = await conn.conn.read(out.subarray(got));
      if (n === null) throw new Http1Error(`answer cut short at ${got} of ${length} bytes`, false);
      got += n;
    }
    return out;
  }

  async #chunked(conn: Connection): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let total = 0;
    const line = async (): Promise<string> => {
      let end = conn.lineEnd(conn.pos);
      while (end < 0) {
        if (!(await conn.fill(this.#maxHead))) {
          throw new Http1Error("chunked answer cut short", false);
        }
        end = conn.lineEnd(conn.pos);
      }
      const text = latin1(conn.buf, conn.pos, end);
      conn.pos = end + 2;
      return text;
    };
    for (;;) {
      const sizeLine = (await line()).split(";")[0].trim();
      if (!/^[0-9a-fA-F]{1,8}$/.test(sizeLine)) {
        throw new Http1Error(`bad chunk size ${JSON.stringify(sizeLine)}`, false);
      }
      const size = parseInt(sizeLine, 16);
      if (size === 0) {
        while ((await line()) !== "") {
          // trailers: ignored
        }
        break;
      }
      total += size;
      if (total > this.#maxBody) throw new Http1Error(`answer over ${this.#maxBody} bytes`, false);
      parts.push(await this.#exact(conn, size));
      if ((await line()) !== "") throw new Http1Error("chunk not followed by CRLF", false);
    }
    return concatBytes(parts);
  }

  async #toClose(conn: Connection): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      if (conn.len > conn.pos) {
        total += conn.len - conn.pos;
        if (total > this.#maxBody) {
          throw new Http1Error(`answer over ${this.#maxBody} bytes`, false);
        }
        parts.push(conn.buf.slice(conn.pos, conn.len));
      }
      conn.pos = conn.len = 0;
      if (!(await conn.fill(INITIAL_BUFFER))) break;
    }
    return concatBytes(parts);
  }
}

function findHeadEnd(buf: Uint8Array, from: number, to: number): number {
  for (let i = from; i + 3 < to; i++) {
    if (buf[i] === CR && buf[i + 1] === LF && buf[i + 2] === CR && buf[i + 3] === LF) return i;
  }
  return -1;
}

async function writeAll(conn: Deno.TcpConn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}
