/**
 * Encoding a request: the head text, refusing anything that could smuggle a second request or
 * another target, and the bytes of the first write.
 *
 * @module
 */
import { Http1Error, type Http1Request } from "./call.ts";

/** Request bodies up to this size are copied behind the head and sent in one write. */
export const COALESCE_BYTES = 64 * 1024;

const UNSAFE_HEAD = /[\r\n\0]/;

/**
 * The head of `request` to an origin whose `host` header is `host` and base path `base` ('' for
 * none), blank line included. Throws an {@link Http1Error} with `beforeAnswer` false (so the
 * caller does not retry it elsewhere) on a method, path or header that could break the request
 * line or header block.
 */
export function requestHead(request: Http1Request, base: string, host: string): string {
  const { method, path, headers, body } = request;
  if (!/^[A-Z]+$/.test(method) || path[0] !== "/" || /[^\x21-\x7e]/.test(path)) {
    throw new Http1Error(`refusing to send ${method} ${JSON.stringify(path)}`, false);
  }
  let head = `${method} ${base}${path} HTTP/1.1\r\nhost: ${host}\r\n`;
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

/**
 * The bytes to write first: the head followed by the body when the body is at most
 * {@link COALESCE_BYTES}, else the head alone (the body then goes in a second write).
 */
export function firstWrite(head: string, body: Uint8Array): Uint8Array {
  const coalesce = body.length <= COALESCE_BYTES;
  const out = new Uint8Array(head.length + (coalesce ? body.length : 0));
  const at = putLatin1(head, out, 0);
  if (coalesce) out.set(body, at);
  return out;
}

/** Writes `text` as bytes (each char one byte) at `at`; throws on a char over 0xff. */
function putLatin1(text: string, out: Uint8Array, at: number): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) throw new Http1Error(`request head has a non-latin1 character`, false);
    out[at++] = c;
  }
  return at;
}
