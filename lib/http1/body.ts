/**
 * Reading a response body off a {@link Connection} after its head: `content-length`, chunked, or
 * read to the close; whole and bounded.
 *
 * @module
 */
import { concatBytes } from "../shared/mod.ts";
import { Http1Error } from "./call.ts";
import { type Connection, INITIAL_BUFFER, latin1 } from "./connection.ts";

/** Whether an answer with `status` to a `method` request has no body, whatever its head says. */
export function bodyless(method: string, status: number): boolean {
  return method === "HEAD" || status === 204 || status === 304;
}

/**
 * Reads the body that the head just read on `conn` announces. An answer read to the close clears
 * `conn.keepAlive`. Not async itself: it hands back the reader's promise, adding none.
 */
export function readBody(conn: Connection, maxLine: number, maxBody: number): Promise<Uint8Array> {
  if (conn.chunked) return readChunked(conn, maxLine, maxBody);
  if (conn.length >= 0) return readExact(conn, conn.length, maxBody);
  conn.keepAlive = false;
  return readToClose(conn, maxBody);
}

/** Reads exactly `length` bytes (buffered first, then straight off the socket). */
async function readExact(
  conn: Connection,
  length: number,
  maxBody: number,
): Promise<Uint8Array> {
  if (length > maxBody) {
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

/** Reads a chunked body (chunk extensions and trailers ignored); lines up to `maxLine` bytes. */
async function readChunked(
  conn: Connection,
  maxLine: number,
  maxBody: number,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const sizeLine = (await readLine(conn, maxLine)).split(";")[0].trim();
    if (!/^[0-9a-fA-F]{1,8}$/.test(sizeLine)) {
      throw new Http1Error(`bad chunk size ${JSON.stringify(sizeLine)}`, false);
    }
    const size = parseInt(sizeLine, 16);
    if (size === 0) {
      while ((await readLine(conn, maxLine)) !== "") {
        // trailers: ignored
      }
      break;
    }
    total += size;
    if (total > maxBody) throw new Http1Error(`answer over ${maxBody} bytes`, false);
    parts.push(await readExact(conn, size, maxBody));
    if ((await readLine(conn, maxLine)) !== "") {
      throw new Http1Error("chunk not followed by CRLF", false);
    }
  }
  return concatBytes(parts);
}

/** Reads everything until the server closes the connection. */
async function readToClose(conn: Connection, maxBody: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    if (conn.len > conn.pos) {
      total += conn.len - conn.pos;
      if (total > maxBody) {
        throw new Http1Error(`answer over ${maxBody} bytes`, false);
      }
      parts.push(conn.buf.slice(conn.pos, conn.len));
    }
    conn.pos = conn.len = 0;
    if (!(await conn.fill(INITIAL_BUFFER))) break;
  }
  return concatBytes(parts);
}

/** The next CRLF-terminated line (without it), consumed. */
async function readLine(conn: Connection, max: number): Promise<string> {
  let end = conn.lineEnd(conn.pos);
  while (end < 0) {
    if (!(await conn.fill(max))) {
      throw new Http1Error("chunked answer cut short", false);
    }
    end = conn.lineEnd(conn.pos);
  }
  const text = latin1(conn.buf, conn.pos, end);
  conn.pos = end + 2;
  return text;
}
