import assert from "node:assert/strict";
import { Http1Call, Http1Client, Http1Error } from "./mod.ts";
import { ConnectionError, createHttp1Relay, UpstreamTimeoutError } from "../dispatcher/mod.ts";
import { dec, enc, KEEP, ok, post, scripted } from "./client_test_support.ts";

Deno.test("Http1Client.request: failures and control", async (t) => {
  await failureSteps(t);
  await controlSteps(t);
});

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
