/**
 * Hostile HTTP/1.1 clients over raw TCP for the slow-client scenario: connections that send
 * headers or bodies a byte at a time, stay idle, or send oversized heads, and a reader of the
 * response status line with the time it took.
 *
 * @module
 */

const enc = new TextEncoder();

/** Opens a loopback connection (undefined when the connect fails, e.g. out of descriptors). */
export async function open(port: number): Promise<Deno.Conn | undefined> {
  try {
    return await Deno.connect({ hostname: "127.0.0.1", port });
  } catch {
    return undefined;
  }
}

/** Writes text or bytes, ignoring a closed connection; resolves false when it failed. */
export async function send(conn: Deno.Conn, data: string | Uint8Array): Promise<boolean> {
  try {
    const bytes = typeof data === "string" ? enc.encode(data) : data;
    for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
    return true;
  } catch {
    return false;
  }
}

/** Closes quietly. */
export function close(conn: Deno.Conn | undefined): void {
  try {
    conn?.close();
  } catch { /* closed */ }
}

/** What came back on a connection. */
export interface StatusRead {
  /** `HTTP/1.1 408 Request Timeout`, `(eof)` (closed without an answer), `(timeout)` or `(reset)`. */
  line: string;
  /** Status code (0 when there was no status line). */
  status: number;
  /** Milliseconds from the call to the answer (or the close). */
  ms: number;
}

/** Reads until the end of the response head, EOF, an error or `timeoutMs`. */
export async function readStatus(conn: Deno.Conn, timeoutMs: number): Promise<StatusRead> {
  const t0 = performance.now();
  const buf = new Uint8Array(8192);
  let text = "";
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    close(conn);
  }, timeoutMs);
  let end = "";
  try {
    while (!text.includes("\r\n\r\n")) {
      const n = await conn.read(buf);
      if (n === null) {
        end = "(eof)";
        break;
      }
      text += new TextDecoder().decode(buf.subarray(0, n));
      if (text.length > 65536) break;
    }
  } catch {
    end = timedOut ? "(timeout)" : "(reset)";
  } finally {
    clearTimeout(timer);
  }
  const line = text.split("\r\n")[0] || end || "(eof)";
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(line);
  return { line, status: m ? Number(m[1]) : 0, ms: performance.now() - t0 };
}

/**
 * Sends `head` then `bodyBytes` one byte every `everyMs` until the server answers or `maxMs`
 * passes; resolves with what the server said.
 */
export async function trickle(
  port: number,
  head: string,
  options: { everyMs: number; maxMs: number },
): Promise<StatusRead> {
  const conn = await open(port);
  if (!conn) return { line: "(connect failed)", status: 0, ms: 0 };
  await send(conn, head);
  let done = false;
  const dripping = (async () => {
    while (!done) {
      await new Promise((r) => setTimeout(r, options.everyMs));
      if (done || !(await send(conn, "x"))) return;
    }
  })();
  const answer = await readStatus(conn, options.maxMs);
  done = true;
  await dripping;
  close(conn);
  return answer;
}

/**
 * Holds `n` connections that send a request line and then one more header line every
 * `everyMs` (a slowloris), never finishing the head, until {@link stop}; counts how many the
 * server closed.
 */
export async function slowloris(port: number, n: number, everyMs: number) {
  const conns: Deno.Conn[] = [];
  for (let i = 0; i < n; i++) {
    const c = await open(port);
    if (!c) break;
    if (await send(c, `GET /healthz HTTP/1.1\r\nHost: x\r\n`)) conns.push(c);
  }
  let closedByServer = 0;
  const alive = new Set(conns);
  let k = 0;
  const timer = setInterval(() => {
    k++;
    for (const c of [...alive]) {
      send(c, `X-Slow-${k}: ${k}\r\n`).then((ok) => {
        if (!ok && alive.delete(c)) closedByServer++;
      });
    }
  }, everyMs);
  return {
    /** Connections opened. */
    opened: conns.length,
    /** Connections the server closed so far. */
    get closedByServer() {
      return closedByServer;
    },
    /** Closes them all. */
    stop() {
      clearInterval(timer);
      for (const c of conns) close(c);
    },
  };
}

/** Opens `n` connections that send nothing, until `stop()`. */
export async function idle(port: number, n: number) {
  const conns: Deno.Conn[] = [];
  for (let i = 0; i < n; i++) {
    const c = await open(port);
    if (!c) break;
    conns.push(c);
  }
  return {
    /** Connections opened. */
    opened: conns.length,
    /** Closes them all. */
    stop() {
      for (const c of conns) close(c);
    },
  };
}

/** Sends a request head of `headerBytes` in one header and reads the answer. */
export async function bigHeader(port: number, headerBytes: number): Promise<StatusRead> {
  const conn = await open(port);
  if (!conn) return { line: "(connect failed)", status: 0, ms: 0 };
  const writing = send(
    conn,
    `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(headerBytes)}\r\n` +
      `Connection: close\r\n\r\n`,
  );
  const answer = await readStatus(conn, 5000);
  await writing;
  close(conn);
  return answer;
}

/** Sends a head with `count` header fields and reads the answer. */
export async function manyHeaders(port: number, count: number): Promise<StatusRead> {
  const conn = await open(port);
  if (!conn) return { line: "(connect failed)", status: 0, ms: 0 };
  let fields = "";
  for (let i = 0; i < count; i++) fields += `X-H${i}: v\r\n`;
  const writing = send(
    conn,
    `GET /healthz HTTP/1.1\r\nHost: x\r\n${fields}Connection: close\r\n\r\n`,
  );
  const answer = await readStatus(conn, 5000);
  await writing;
  close(conn);
  return answer;
}
