/**
 * One keep-alive connection: the socket, its read buffer, sending a request and reading the
 * response head (status line and headers) into fields, so a request allocates no head object.
 *
 * @module
 */
import { type Http1Call, Http1Error } from "./call.ts";
import { COALESCE_BYTES, firstWrite } from "./request.ts";

const EMPTY = new Uint8Array(0);
const CR = 13;
const LF = 10;
/** Initial read buffer size, and the read size of a body read to the close. */
export const INITIAL_BUFFER = 16 * 1024;

/**
 * Opens a TCP connection to `hostname:port` (no Nagle delay). `call`'s abort gives up on the
 * connect at once. Fails with an {@link Http1Error} before the answer.
 */
export async function connect(
  hostname: string,
  port: number,
  call: Http1Call | undefined,
  onClose: (c: Connection) => void,
): Promise<Connection> {
  if (call?.aborted) throw new Http1Error("aborted", true);
  const pending = Deno.connect({ hostname, port });
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
  return new Connection(tcp, onClose);
}

/** A connection and its read buffer; {@link Connection.readHead} fills the response head fields. */
export class Connection {
  /** Read buffer. */
  buf = new Uint8Array(INITIAL_BUFFER);
  /** Unconsumed bytes are `buf[pos, len)`. */
  pos = 0;
  /** End of the bytes read into `buf`. */
  len = 0;
  /** When the connection went back to the idle pool (`performance.now()`). */
  idleSince = 0;
  /** Set by {@link Connection.close}. */
  closed = false;
  /** Status of the last response head read. */
  status = 0;
  /** Its headers named in `keep` (lower-case; repeated ones joined with ", "). */
  headers: Record<string, string> = {};
  /** Its `content-length`, or -1 for none. */
  length = -1;
  /** Whether its body is chunked. */
  chunked = false;
  /** Whether the connection may carry another request after this answer. */
  keepAlive = true;

  /** Wraps `conn`; `onClose` runs once, when the connection closes. */
  constructor(readonly conn: Deno.TcpConn, readonly onClose: (c: Connection) => void) {}

  /** Closes the socket (once). */
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

  /**
   * Empties the buffer and writes the request. A write failure is returned, not thrown: it is
   * before any answer (and on a reused connection a stale one), but a server may answer early
   * (413 to a long body) and close, so the caller reads what answer there is.
   */
  async send(head: string, body: Uint8Array): Promise<Http1Error | undefined> {
    this.pos = this.len = 0;
    try {
      const first = firstWrite(head, body);
      const rest = body.length > COALESCE_BYTES ? body : EMPTY;
      for (let at = 0; at < first.length;) at += await this.conn.write(first.subarray(at));
      for (let at = 0; at < rest.length;) at += await this.conn.write(rest.subarray(at));
    } catch (err) {
      if (err instanceof Http1Error) throw err;
      return new Http1Error(`send: ${(err as Error).message}`, true, true);
    }
    return undefined;
  }

  /**
   * Reads the response head (skipping 1xx interim answers) into `status`, `headers`, `length`,
   * `chunked` and `keepAlive`. Fails before the answer with `sendError` if the write had failed,
   * else with an error that is stale if nothing at all arrived. Reads the socket directly rather
   * than through {@link Connection.fill}: one promise per request on the hot path.
   */
  async readHead(
    maxHead: number,
    keep: ReadonlySet<string>,
    sendError: Http1Error | undefined,
  ): Promise<void> {
    let seen = false;
    for (;;) {
      let end = findHeadEnd(this.buf, this.pos, this.len);
      while (end < 0) {
        const into = this.#room(maxHead);
        let n: number | null;
        try {
          n = await this.conn.read(into);
        } catch (err) {
          const message = `no answer: ${(err as Error).message}`;
          throw sendError ?? new Http1Error(message, true, !seen && this.len === 0);
        }
        if (n === null) {
          throw sendError ??
            new Http1Error("connection closed before an answer", true, !seen && this.len === 0);
        }
        this.len += n;
        end = findHeadEnd(this.buf, this.pos, this.len);
      }
      seen = true;
      this.#parseHead(end, keep);
      if (this.status >= 200 || this.status === 101) return;
    }
  }

  /** Reads more bytes behind `len`; false at end of stream. Grows the buffer up to `max`. */
  async fill(max: number): Promise<boolean> {
    const n = await this.conn.read(this.#room(max));
    if (n === null) return false;
    this.len += n;
    return true;
  }

  /** Index of the next CRLF at or after `from`, or -1. */
  lineEnd(from: number): number {
    const buf = this.buf;
    for (let i = from; i + 1 < this.len; i++) {
      if (buf[i] === CR && buf[i + 1] === LF) return i;
    }
    return -1;
  }

  /** The free space behind `len`, compacting the buffer or growing it (up to `max`) when full. */
  #room(max: number): Uint8Array {
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
    return this.len === 0 ? this.buf : this.buf.subarray(this.len);
  }

  /** Parses the head in `buf[pos, end)` (its blank line at `end`) and consumes it. */
  #parseHead(end: number, keep: ReadonlySet<string>): void {
    const lines = latin1(this.buf, this.pos, end).split("\r\n");
    this.pos = end + 4;
    const m = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]);
    if (!m) throw new Http1Error(`malformed status line ${JSON.stringify(lines[0])}`, false);
    this.status = Number(m[2]);
    const http10 = m[1] === "0";
    this.keepAlive = !http10;
    const headers: Record<string, string> = {};
    this.headers = headers;
    this.length = -1;
    this.chunked = false;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      const colon = line.indexOf(":");
      if (colon <= 0) throw new Http1Error(`malformed header line`, false);
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      this.#header(name, value, http10);
      if (keep.has(name)) {
        headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
      }
    }
  }

  /** Applies one header's framing and connection semantics (in order: later headers win). */
  #header(name: string, value: string, http10: boolean): void {
    if (name === "content-length") {
      if (!/^\d+$/.test(value) || (this.length >= 0 && this.length !== Number(value))) {
        throw new Http1Error(`bad content-length ${JSON.stringify(value)}`, false);
      }
      this.length = Number(value);
    } else if (name === "transfer-encoding") {
      this.chunked = /(^|,)\s*chunked\s*$/i.test(value);
      if (!this.chunked) this.keepAlive = false; // another coding: read to close
    } else if (name === "connection") {
      const v = value.toLowerCase();
      if (/(^|,)\s*close\s*(,|$)/.test(v)) this.keepAlive = false;
      else if (/(^|,)\s*keep-alive\s*(,|$)/.test(v) && http10) this.keepAlive = true;
    }
  }
}

/** `buf[from, to)` as a string of one char per byte. */
export function latin1(buf: Uint8Array, from: number, to: number): string {
  let s = "";
  for (let i = from; i < to; i += 4096) {
    s += String.fromCharCode.apply(
      null,
      buf.subarray(i, Math.min(to, i + 4096)) as unknown as number[],
    );
  }
  return s;
}

function findHeadEnd(buf: Uint8Array, from: number, to: number): number {
  for (let i = from; i + 3 < to; i++) {
    if (buf[i] === CR && buf[i + 1] === LF && buf[i + 2] === CR && buf[i + 3] === LF) return i;
  }
  return -1;
}
