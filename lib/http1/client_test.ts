import assert from "node:assert/strict";
import { Http1Client } from "./mod.ts";
import { dec, KEEP, ok, post, scripted } from "./client_test_support.ts";

Deno.test("Http1Client.request", async (t) => {
  await sendSteps(t);
  await framingSteps(t);
  await bodySizeSteps(t);
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
