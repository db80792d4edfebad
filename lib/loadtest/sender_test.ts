import assert from "node:assert/strict";
import { createHttpSender, type HttpClientKind } from "./sender.ts";
import type { Payload } from "./payload.ts";

/** A loopback server: `/hang` never answers, `/chunked` streams, others echo what they got. */
function server() {
  const seen: { method: string; type: string | null; bytes: number; query: string }[] = [];
  const ac = new AbortController();
  const s = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {}, signal: ac.signal },
    async (req) => {
      const url = new URL(req.url);
      const body = new Uint8Array(await req.arrayBuffer());
      seen.push({
        method: req.method,
        type: req.headers.get("content-type"),
        bytes: body.length,
        query: url.search,
      });
      if (url.pathname === "/hang") {
        await new Promise((r) => setTimeout(r, 1000));
        return new Response("late");
      }
      if (url.pathname === "/chunked") {
        const stream = ReadableStream.from(
          ["a", "bb", "ccc"].map((t) => new TextEncoder().encode(t)),
        );
        return new Response(stream, { status: 503, headers: { "x-replica": "r2" } });
      }
      return new Response(JSON.stringify({ n: body.length }), { headers: { "x-replica": "r1" } });
    },
  );
  return {
    base: `http://127.0.0.1:${s.addr.port}`,
    seen,
    close: async () => {
      ac.abort();
      await s.finished;
    },
  };
}

const payloads: Payload[] = [
  { name: "a", body: new Uint8Array(3000).fill(7), contentType: "image/jpeg" },
  { name: "b", body: new Uint8Array(10), contentType: "image/png" },
];

for (const client of ["http1", "fetch"] as HttpClientKind[]) {
  Deno.test(`http sender (${client})`, async (t) => {
    const srv = server();
    const signal = new AbortController().signal;
    try {
      await t.step("payload picks, status, replica header", async () => {
        const send = createHttpSender({
          url: `${srv.base}/predict?x=1`,
          payloads,
          picks: new Uint32Array([1, 0, 0]),
          timeoutMs: 5000,
          client,
        });
        const results = await Promise.all([0, 1, 2].map((i) => send(i, signal)));
        send.close();
        assert.deepEqual(results, [
          { status: 200, replica: "r1" },
          { status: 200, replica: "r1" },
          { status: 200, replica: "r1" },
        ]);
        const seen = srv.seen.splice(0);
        assert.deepEqual(seen.map((s) => s.bytes).sort((a, b) => a - b), [10, 3000, 3000]);
        assert.ok(seen.every((s) => s.method === "POST" && s.query === "?x=1"));
        assert.deepEqual(seen.map((s) => s.type).sort(), ["image/jpeg", "image/jpeg", "image/png"]);
      });
      await t.step("chunked error response", async () => {
        const send = createHttpSender({
          url: `${srv.base}/chunked`,
          payloads: [],
          timeoutMs: 5000,
          client,
        });
        assert.deepEqual(await send(0, signal), { status: 503, replica: "r2" });
        assert.deepEqual(await send(1, signal), { status: 503, replica: "r2" });
        send.close();
        assert.deepEqual(srv.seen.splice(0).map((s) => s.method), ["GET", "GET"]);
      });
      await t.step("timeout, then abort", async () => {
        const send = createHttpSender({
          url: `${srv.base}/hang`,
          payloads: [],
          timeoutMs: 50,
          client,
        });
        assert.deepEqual(await send(0, signal), { status: 0, error: "timeout" });
        const ac = new AbortController();
        const pending = send(1, ac.signal);
        ac.abort();
        assert.deepEqual(await pending, { status: 0, error: "aborted" });
        send.close();
        srv.seen.length = 0;
      });
    } finally {
      await srv.close();
    }
  });
}

Deno.test("http sender: connection refused", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  for (const client of ["http1", "fetch"] as HttpClientKind[]) {
    const send = createHttpSender({
      url: `http://127.0.0.1:${port}/`,
      payloads: [],
      timeoutMs: 5000,
      client,
    });
    assert.deepEqual(await send(0, new AbortController().signal), {
      status: 0,
      error: "connection_refused",
    });
    send.close();
  }
});

Deno.test("http sender: http1 is the default for http:, fetch for https: or an injected fetch", async () => {
  let calls = 0;
  const fake = (() => {
    calls++;
    return Promise.resolve(new Response("{}", { status: 201 }));
  }) as typeof fetch;
  const send = createHttpSender({
    url: "http://127.0.0.1:1/",
    payloads: [],
    timeoutMs: 100,
    fetch: fake,
  });
  assert.deepEqual(await send(0, new AbortController().signal), {
    status: 201,
    replica: undefined,
  });
  assert.equal(calls, 1);
  send.close();
});

Deno.test("http sender (http1): a burst opens connections 8 at a time, the rest wait", async () => {
  const ports = new Set<number>();
  const ac = new AbortController();
  const s = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {}, signal: ac.signal },
    async (_req, info) => {
      ports.add(info.remoteAddr.port);
      await new Promise((r) => setTimeout(r, 30));
      return new Response("{}");
    },
  );
  const send = createHttpSender({
    url: `http://127.0.0.1:${s.addr.port}/`,
    payloads: [],
    timeoutMs: 5000,
    client: "http1",
  });
  const signal = new AbortController().signal;
  const results = await Promise.all(Array.from({ length: 40 }, (_, i) => send(i, signal)));
  send.close();
  ac.abort();
  await s.finished;
  assert.ok(results.every((r) => r.status === 200));
  // unbounded, 40 requests at once open 40 connections; here waves of ≤ 8 connects: 8, then 8 more
  // when the first answers come (the others take the freed connections)
  assert.ok(ports.size <= 24, `${ports.size} connections`);
});
