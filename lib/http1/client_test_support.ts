/**
 * A scripted loopback HTTP/1.1 server and request fixtures, shared by client_test.ts and
 * client_failure_test.ts.
 */
export const enc = new TextEncoder();
export const dec = new TextDecoder();

/** What a scripted server saw: the request heads and bodies, and the connections it accepted. */
export interface Seen {
  requests: string[];
  connections: number;
}

/**
 * A loopback HTTP/1.1 server answering each request on a connection with `answer(request, n)`
 * (n counts requests over all connections): text to write, "close", "hang" (answer nothing), or
 * `{thenClose}` (write, then close).
 */
export function scripted(
  answer: (request: string, n: number) => string | "close" | "hang" | { thenClose: string },
): { url: string; seen: Seen; stop(): Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const seen: Seen = { requests: [], connections: 0 };
  const conns = new Set<Deno.Conn>();
  const serveConn = async (conn: Deno.Conn) => {
    let buffered = "";
    const buf = new Uint8Array(65536);
    try {
      for (;;) {
        let end = buffered.indexOf("\r\n\r\n");
        while (end < 0) {
          const n = await conn.read(buf);
          if (n === null) return;
          buffered += dec.decode(buf.subarray(0, n));
          end = buffered.indexOf("\r\n\r\n");
        }
        const length = Number(/content-length: (\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
        while (buffered.length < end + 4 + length) {
          const n = await conn.read(buf);
          if (n === null) return;
          buffered += dec.decode(buf.subarray(0, n));
        }
        const request = buffered.slice(0, end + 4 + length);
        buffered = buffered.slice(end + 4 + length);
        seen.requests.push(request);
        const out = answer(request, seen.requests.length);
        if (out === "hang") continue;
        if (out === "close") {
          conn.close();
          return;
        }
        await conn.write(enc.encode(typeof out === "string" ? out : out.thenClose));
        if (typeof out !== "string") return;
      }
    } catch {
      // closed under us
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
  };
  const accepting = (async () => {
    for await (const conn of listener) {
      seen.connections++;
      conns.add(conn);
      serveConn(conn);
    }
  })();
  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    seen,
    async stop() {
      listener.close();
      for (const c of conns) c.close();
      await accepting.catch(() => {});
    },
  };
}

export const ok = (body: string, extra = "") =>
  `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-replica: r1\r\n${extra}` +
  `content-length: ${enc.encode(body).length}\r\n\r\n${body}`;

export const post = (body = "img") => ({
  method: "POST",
  path: "/predict?topk=2",
  headers: { "content-type": "image/jpeg", "x-request-deadline-ms": "123" },
  body: enc.encode(body),
});

export const KEEP = ["content-type", "x-replica", "retry-after"];
