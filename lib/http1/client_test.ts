import assert from "node:assert/strict";
import { Http1Call, Http1Client, Http1Error } from "./mod.ts";
import { ConnectionError, createHttp1Relay, UpstreamTimeoutError } from "../dispatcher/mod.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** What a scripted server saw: the request heads and bodies, and the connections it accepted. */
interface Seen {
  requests: string[];
  connections: number;
}

/**
 * A loopback HTTP/1.1 server answering each request on a connection with `answer(request, n)`
 * (n counts requests over all connections): text to write, "close", "hang" (answer nothing), or
 * `{thenClose}` (write, then close).
 */
function scripted(
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

const ok = (body: string, extra = "") =>
  `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-replica: r1\r\n${extra}` +
  `content-length: ${enc.encode(body).length}\r\n\r\n${body}`;

const post = (body = "img") => ({
  method: "POST",
  path: "/predict?topk=2",
  headers: { "content-type": "image/jpeg", "x-request-deadline-ms": "123" },
  body: enc.encode(body),
});

const KEEP = ["content-type", "x-replica", "retry-after"];

Deno.test("Http1Client.request", async (t) => {
  await sendSteps(t);
  await framingSteps(t);
  await bodySizeSteps(t);
  await failureSteps(t);
  await controlSteps(t);
});

/** The request goes out as written; the connection is kept for the next. */
async function sendSteps(t: Deno.TestContext): Promise<void> {
  await t.step("sends the head and body, returns status, kept headers and body", async () => {
    const s = scripted(() => ok('{"a":1}', "x-other: no\r\n"));
    const client = new Http1Client({ keepHeaders: KEEP });
    try {
      const res = await client.request(s.url, post("abc"));
      assert.equal(res.status, 200);
      assert.deepEqual(res.headers, { "content-type": "application/json", "x-replica": "r1" });
      assert.equal(dec.decode(res.body), '{"a":1}');
      const req = s.seen.requests[0];
      assert.match(req, /^POST \/predict\?topk=2 HTTP\/1\.1\r\n/);
      assert.match(req, /\r\nhost: 127\.0\.0\.1:\d+\r\n/);
      assert.match(req, /\r\ncontent-length: 3\r\n/);
      assert.match(req, /\r\nx-request-deadline-ms: 123\r\n/);
      assert.ok(req.endsWith("\r\n\r\nabc"));
    } finally {
      client.close();
      await s.stop();
    }
  });

  await t.step("keeps the connection alive across requests", async () => {
    const s = scripted((_, n) => ok(`{"n":${n}}`));
    const client = new Http1Client({ keepHeaders: KEEP });
    try {
      for (let i = 1; i <= 5; i++) {
        const res = await client.request(s.url, post());
        assert.equal(dec.decode(res.body), `{"n":${i}}`);
      }
      assert.equal(s.seen.connections, 1);
    } finally {
      client.close();
      await s.stop();
    }
  });

  await t.step("GET without a body sends no content-length", async () => {
    const s = scripted(() => ok("{}"));
    const client = new Http1Client({ keepHeaders: KEEP });
    try {
      await client.request(s.url, { method: "GET", path: "/v2/models/m", headers: {}, body: null });
      assert.doesNotMatch(s.seen.requests[0], /content-length/i);
    } finally {
      client.close();
      await s.stop();
    }
  });

  await t.step("a base path in the replica URL prefixes the request path", async () => {
    const s = scripted(() => ok("{}"));
    const client = new Http1Client({ keepHeaders: KEEP });
    try {
      await client.request(`${s.url}/base`, post());
      assert.match(s.seen.requests[0], /^POST \/base\/predict\?topk=2 HTTP/);
    } finally {
      client.close();
      await s.stop();
    }
  });
}

/** Response framing: chunked, read to the close, interim 1xx answers. */
async function framingSteps(t: Deno.TestContext): Promise<void> {
  await t.step("chunked answers are decoded, trailers skipped, connection reused", async () => {
    const s = scripted(() =>
      "HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\ntransfer-encoding: chunked\r\n\r\n" +
      '4;ext=1\r\n{"a"\r\n3\r\n:1}\r\n0\r\ntrailer: x\r\n\r\n'
    );
    const client = new Http1Client({ keepHeaders: KEEP });
    try {
      for (let i = 0; i < 2; i++) {
        const res = await client.request(s.url, post());
        assert.equal(res.status, 503);
        assert.equal(res.headers["retry-after"], "1");
        assert.equal(dec.decode(res.body), '{"a":1}');
      }
      assert.equal(s.seen.connections, 1);
    } finally {
      client.close();
      await s.stop();
    }
  });

  await t.step(
    "an answer without length is read to the close; the connection is not reused",
    async () => {
      const s = scripted(() => ({ thenClose: "HTTP/1.1 200 OK\r\n\r\nuntil-close" }));
      const client = new Http1Client({ keepHeaders: KEEP });
      try {
        const res = await client.request(s.url, post());
        assert.equal(dec.decode(res.body), "until-close");
        assert.equal(client.openConnections, 0);
      } finally {
        client.close();
      }
    },
  );

  await t.step("interim 1xx answers are skipped", async () => {
    const s = scripted(() => "HTTP/1.1 100 Continue\r\n\r\n" + ok("{}"));
    const client = new Http1Client({ keepHeaders: KEEP });
    try {
      const res = await client.request(s.url, post());
      assert.equal(res.status, 200);
      assert.equal(dec.decode(res.body), "{}");
    } finally {
      client.close();
      await s.stop();
    }
  });
}

/** Large answers, and answers without a body. */
async function bodySizeSteps(t: Deno.TestContext): Promise<void> {
  await t.step("a large answer arriving in pieces is read whole", async () => {
    const big = "x".repeat(300_000);
    const s = scripted(() => ok(big));
    const client = new Http1Client({ keepHeaders: KEEP });
    try {
      const res = await client.request(s.url, post("y".repeat(200_000)));
      assert.equal(res.body.length, 300_000);
      assert.ok(s.seen.requests[0].endsWith("y".repeat(200_000)));
    } finally {
      client.close();
      await s.stop();
    }
  });

  await t.step("a HEAD or 204 answer has no body and keeps the connection", async () => {
    const s = scripted((req) =>
      req.startsWith("HEAD")
        ? "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n"
        : "HTTP/1.1 204 No Content\r\n\r\n"
    );
    const client = new Http1Client({ keepHeaders: KEEP });
    try {
      const head = await client.request(s.url, {
        method: "HEAD",
        path: "/",
        headers: {},
        body: null,
      });
      assert.equal(head.body.length, 0);
      const none = await client.request(s.url, post());
      assert.equal(none.status, 204);
      assert.equal(s.seen.connections, 1);
    } finally {
      client.close();
      await s.stop();
    }
  });
}

/** Failures: stale connections retried, the rest classified before/after the answer. */
async function failureSteps(t: Deno.TestContext): Promise<void> {
  await t.step(
    "a stale idle connection is replaced by a fresh one, unseen by the caller",
    async () => {
      const s = scripted((_, n) => n === 2 ? "close" : ok(`{"n":${n}}`));
      const client = new Http1Client({ keepHeaders: KEEP });
      try {
        await client.request(s.url, post());
        const res = await client.request(s.url, post());
        assert.equal(dec.decode(res.body), '{"n":3}');
        assert.equal(s.seen.connections, 2);
      } finally {
        client.close();
        await s.stop();
      }
    },
  );

  const failures: [string, string | "close", boolean][] = [
    ["closed before any answer: before the answer", "close", true],
    ["a partial head, then closed: before the answer", "HTTP/1.1 200 OK\r\ncontent-", true],
    [
      "a body cut short: after the answer",
      "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc",
      false,
    ],
    ["a malformed status line: not retried", "SMTP ready\r\n\r\n", false],
    ["a bad content-length: not retried", "HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n", false],
    [
      "a bad chunk size: not retried",
      "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
      false,
    ],
  ];
  for (const [name, answer, before] of failures) {
    await t.step(name, async () => {
      const s = scripted(() => answer === "close" ? answer : { thenClose: answer });
      const client = new Http1Client({ keepHeaders: KEEP });
      try {
        const err = await client.request(s.url, post()).then(() => undefined, (e) => e);
        assert.ok(err instanceof Http1Error, String(err));
        assert.equal(err.beforeAnswer, before, err.message);
        assert.equal(client.openConnections, 0);
      } finally {
        client.close();
        await s.stop();
      }
    });
  }

  await t.step("an early answer to a long body (then closed) is still read", async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const serving = (async () => {
      for await (const conn of listener) {
        await conn.read(new Uint8Array(4096));
        await conn.write(enc.encode(
          "HTTP/1.1 413 Payload Too Large\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
        ));
        conn.close();
      }
    })();
    const client = new Http1Client({ keepHeaders: KEEP });
    try {
      const url = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
      const res = await client.request(url, { ...post(), body: new Uint8Array(4_000_000) });
      assert.equal(res.status, 413);
      assert.equal(client.openConnections, 0);
    } finally {
      client.close();
      listener.close();
      await serving.catch(() => {});
    }
  });
}

/** Refused connects, aborts, refused heads, idle expiry. */
async function controlSteps(t: Deno.TestContext): Promise<void> {
  await t.step("connection refused: before the answer", async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const client = new Http1Client({ keepHeaders: KEEP });
    const err = await client.request(`http://127.0.0.1:${port}`, post()).catch((e) => e);
    assert.ok(err instanceof Http1Error && err.beforeAnswer, String(err));
    client.close();
  });

  await t.step("abort closes the connection of a call in progress", async () => {
    const s = scripted(() => "hang");
    const client = new Http1Client({ keepHeaders: KEEP });
    try {
      const call = new Http1Call();
      const pending = client.request(s.url, post(), call).catch((e) => e);
      await new Promise((r) => setTimeout(r, 50));
      call.abort();
      const err = await pending;
      assert.ok(err instanceof Http1Error, String(err));
      assert.ok(call.aborted);
      assert.equal(client.openConnections, 0);
    } finally {
      client.close();
      await s.stop();
    }
  });

  await t.step("unsafe request heads are refused before sending", async () => {
    const s = scripted(() => ok("{}"));
    const client = new Http1Client({ keepHeaders: KEEP });
    try {
      for (
        const bad of [
          { ...post(), path: "/predict HTTP/1.1\r\nx: y" },
          { ...post(), path: "http://elsewhere/" },
          { ...post(), headers: { "x-a": "b\r\nhost: elsewhere" } },
          { ...post(), method: "GET /x" },
        ]
      ) {
        const err = await client.request(s.url, bad).catch((e) => e);
        assert.ok(err instanceof Http1Error && !err.beforeAnswer, String(err));
      }
      assert.equal(s.seen.requests.length, 0);
    } finally {
      client.close();
      await s.stop();
    }
  });

  await t.step("idle connections past their time are closed", async () => {
    const s = scripted(() => ok("{}"));
    const client = new Http1Client({ keepHeaders: KEEP });
    try {
      await client.request(s.url, post());
      assert.equal(client.openConnections, 1);
      client.closeIdle(performance.now() + 1);
      assert.equal(client.openConnections, 0);
      await client.request(s.url, post());
      assert.equal(s.seen.connections, 2);
    } finally {
      client.close();
      await s.stop();
    }
  });
}

Deno.test("createHttp1Relay", async (t) => {
  await t.step("relays and classifies: answer, refused, timeout, broken answer", async () => {
    const s = scripted((req) =>
      req.includes("/slow")
        ? "hang"
        : req.includes("/broken")
        ? { thenClose: "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nab" }
        : ok("{}")
    );
    const relay = createHttp1Relay(10);
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const deadPort = (listener.addr as Deno.NetAddr).port;
    listener.close();
    try {
      const res = await relay(s.url, post(), 5000);
      assert.equal(res.status, 200);
      assert.equal(res.headers["x-replica"], "r1");

      const refused = await relay(`http://127.0.0.1:${deadPort}`, post(), 5000).catch((e) => e);
      assert.ok(refused instanceof ConnectionError, String(refused));

      const t0 = performance.now();
      const slow = await relay(s.url, { ...post(), path: "/slow" }, 100).catch((e) => e);
      assert.ok(slow instanceof UpstreamTimeoutError, String(slow));
      assert.ok(performance.now() - t0 < 1000);

      const err = await relay(s.url, { ...post(), path: "/broken" }, 5000).catch((e) => e);
      assert.ok(
        err instanceof Error && !(err instanceof ConnectionError) &&
          !(err instanceof UpstreamTimeoutError),
        String(err),
      );
    } finally {
      relay.close();
      await s.stop();
    }
  });
});

Deno.test("preconnect opens idle connections that the next requests reuse", async () => {
  let requests = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    requests++;
    return new Response("ok");
  });
  const client = new Http1Client({ keepHeaders: [] });
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    assert.equal(await client.preconnect(base, 3), 3);
    assert.equal(client.openConnections, 3);
    assert.equal(requests, 0, "opening a connection sends nothing");
    const answers = await Promise.all(
      [0, 1, 2].map(() =>
        client.request(base, { method: "GET", path: "/", headers: {}, body: null })
      ),
    );
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 200]);
    assert.equal(client.openConnections, 3, "the requests used the open connections");
  } finally {
    client.close();
    await server.shutdown();
  }
});
