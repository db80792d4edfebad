/**
 * Request limits: the body read deadline (`--body-timeout-s`, 408) and size limit (413) of
 * lib/http/body.ts, a body that breaks off (400, not 500), and, against a real dispatcher
 * process over raw TCP, what a slow or oversized client gets while other requests are served:
 * a trickled body is cut off at the deadline, an over-limit `Content-Length` is refused before
 * any body byte is read, and Deno's HTTP server refuses oversized request headers.
 */
import assert from "node:assert/strict";
import { HttpError, readLimited, readPredictUpload } from "../lib/http/mod.ts";
import { startDispatcher, type Started, startScript } from "./support/process.ts";

/** A body stream that sends `first` and then nothing, forever (until cancelled). */
function stalled(first: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      c.enqueue(first);
    },
  });
}

function post(body: BodyInit, headers: Record<string, string> = {}): Request {
  return new Request("http://x/predict", { method: "POST", body, headers });
}

async function rejectsWith(work: Promise<unknown>, status: number, code: string) {
  await assert.rejects(work, (err) => {
    assert.ok(err instanceof HttpError, String(err));
    assert.equal(err.status, status);
    assert.equal(err.code, code);
    return true;
  });
}

Deno.test("readLimited", async (t) => {
  await t.step("a stalled streamed body is refused with 408 at the deadline", async () => {
    const started = performance.now();
    await rejectsWith(
      readLimited(post(stalled(new Uint8Array(10))), 1000, { timeoutMs: 150 }),
      408,
      "body_timeout",
    );
    const took = performance.now() - started;
    assert.ok(took >= 140 && took < 2000, `took ${took} ms`);
  });
  await t.step("a stalled body with a declared length is refused with 408 too", async () => {
    const request = post(stalled(new Uint8Array(10)), { "content-length": "100" });
    await rejectsWith(readLimited(request, 1000, { timeoutMs: 100 }), 408, "body_timeout");
  });
  await t.step("a body that arrives in time is read whole", async () => {
    const body = new Uint8Array(5000).fill(7);
    const got = await readLimited(post(body), 10_000, { timeoutMs: 5000 });
    assert.equal(got.length, 5000);
  });
  await t.step("without a timeout nothing changes", async () => {
    assert.deepEqual(
      await readLimited(post(new Uint8Array([1, 2, 3])), 10),
      Uint8Array.of(1, 2, 3),
    );
  });
  await t.step("size still wins: 413 for a declared and for a streamed body", async () => {
    await rejectsWith(
      readLimited(post(new Uint8Array(10), { "content-length": "10" }), 5, { timeoutMs: 1000 }),
      413,
      "body_too_large",
    );
    const stream = new ReadableStream({
      pull(c) {
        c.enqueue(new Uint8Array(4096));
      },
    });
    await rejectsWith(
      readLimited(post(stream), 10_000, { timeoutMs: 5000 }),
      413,
      "body_too_large",
    );
  });
  await t.step("a body that breaks off is a 400, never a 500", async () => {
    const broken = new ReadableStream({
      start(c) {
        c.enqueue(new Uint8Array(3));
        c.error(new Error("connection reset"));
      },
    });
    await rejectsWith(
      readLimited(post(broken), 1000, { timeoutMs: 1000 }),
      400,
      "malformed_request",
    );
  });
  await t.step("readPredictUpload passes the deadline on (multipart and raw)", async () => {
    const multipart = post(stalled(new Uint8Array(10)), {
      "content-type": "multipart/form-data; boundary=x",
    });
    await rejectsWith(readPredictUpload(multipart, 1000, { timeoutMs: 100 }), 408, "body_timeout");
    const raw = post(stalled(new Uint8Array(10)), { "content-type": "image/jpeg" });
    await rejectsWith(readPredictUpload(raw, 1000, { timeoutMs: 100 }), 408, "body_timeout");
  });
});

/** Opens a TCP connection and writes `text`; returns the connection. */
async function openWith(port: number, text: string): Promise<Deno.Conn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode(text));
  return conn;
}

/** Reads until `\r\n\r\n` (the response head) or EOF; returns the status line. */
async function statusLine(conn: Deno.Conn, timeoutMs: number): Promise<string> {
  const buf = new Uint8Array(16384);
  let text = "";
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    while (!text.includes("\r\n\r\n")) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
  } catch {
    return "(closed)";
  } finally {
    clearTimeout(timer);
  }
  return text.split("\r\n")[0] || "(eof)";
}

Deno.test({
  name: "dispatcher: slow and oversized clients over raw TCP",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const started: Started[] = [];
    try {
      const stub = await startScript("tests/support/stub_replica.ts", ["--name=s"]);
      started.push(stub);
      const d = await startDispatcher([stub], ["--body-timeout-s=0.5", "--max-body-mb=1"]);
      started.push(d);
      const port = d.port;
      const served = async () => {
        const t0 = performance.now();
        const res = await fetch(`${d.url}/predict`, { method: "POST", body: "img" });
        await res.body?.cancel();
        return { status: res.status, ms: performance.now() - t0 };
      };
      await t.step("a trickled body gets 408 at the deadline; others are served", async () => {
        const conn = await openWith(
          port,
          "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\n" +
            "Content-Length: 100000\r\n\r\nabc",
        );
        const trickle = setInterval(() => conn.write(new Uint8Array([1])).catch(() => {}), 100);
        const t0 = performance.now();
        const answer = statusLine(conn, 5000);
        const meanwhile = await served();
        assert.equal(meanwhile.status, 200);
        const line = await answer;
        clearInterval(trickle);
        const took = performance.now() - t0;
        conn.close();
        assert.match(line, /^HTTP\/1\.1 408/);
        assert.ok(took < 3000, `408 after ${took} ms`);
      });
      await t.step("an over-limit Content-Length is refused at once, body unsent", async () => {
        const conn = await openWith(
          port,
          "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n",
        );
        const t0 = performance.now();
        assert.match(await statusLine(conn, 5000), /^HTTP\/1\.1 413/);
        assert.ok(performance.now() - t0 < 2000);
        conn.close();
      });
      await t.step("oversized request headers are refused by the HTTP server", async () => {
        const conn = await openWith(
          port,
          `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(1 << 20)}\r\n\r\n`,
        ).catch(() => undefined);
        if (conn) {
          const line = await statusLine(conn, 5000);
          assert.ok(/^HTTP\/1\.1 (400|431)/.test(line) || line === "(closed)", line);
          conn.close();
        }
        assert.equal((await served()).status, 200);
      });
      await t.step("a client that leaves mid-body costs no 500", async () => {
        const conn = await openWith(
          port,
          "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc",
        );
        conn.close();
        await new Promise((r) => setTimeout(r, 300));
        const metrics = await fetch(`${d.url}/metrics`).then((r) => r.text());
        assert.doesNotMatch(metrics, /dispatcher_request_duration_seconds_count\{code="500"\}/);
      });
    } finally {
      for (const s of started.reverse()) await s.stop();
    }
  },
});

/** Sends `n` concurrent POSTs of `bytes` bytes to `url`; returns their statuses, sorted. */
async function concurrentPosts(url: string, n: number, bytes: number): Promise<number[]> {
  const body = new Uint8Array(bytes);
  const statuses = await Promise.all(Array.from({ length: n }, async () => {
    const res = await fetch(url, {
      method: "POST",
      body,
      headers: { "content-type": "image/jpeg" },
    });
    await res.body?.cancel();
    return res.status;
  }));
  return statuses.sort();
}

Deno.test({
  name: "request-body bytes in hand are bounded: the dispatcher 429s, the replica 503s, then serve",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const started: Started[] = [];
    try {
      const stub = await startScript("tests/support/stub_replica.ts", ["--delay-ms=300"]);
      started.push(stub);
      const d = await startDispatcher([stub], ["--max-inflight-mb=1"]);
      started.push(d);
      await new Promise((r) => setTimeout(r, 300));
      await t.step("dispatcher: 10 bodies of 300 KB against a 1 MiB budget", async () => {
        const statuses = await concurrentPosts(`${d.url}/predict`, 10, 300_000);
        assert.ok(statuses.includes(200) && statuses.includes(429), `${statuses}`);
        assert.ok(statuses.filter((s) => s === 200).length <= 4, `${statuses}`);
        const metrics = await fetch(`${d.url}/metrics`).then((r) => r.text());
        assert.match(metrics, /dispatcher_rejected_total\{reason="body_bytes"\} [1-9]/);
        assert.deepEqual(await concurrentPosts(`${d.url}/predict`, 3, 300_000), [200, 200, 200]);
      });
      const replica = await startScript("replica.ts", [
        "--host=127.0.0.1",
        "--port=0",
        "--backend=native",
        "--threads=1",
        "--max-inflight-mb=1",
      ]);
      started.push(replica);
      await t.step("replica: the same burst gets 503 over_capacity past its budget", async () => {
        const jpeg = await Deno.readFile("testdata/images/synthetic_4000x3000_q85.jpg");
        const statuses = await Promise.all(Array.from({ length: 10 }, async () => {
          const res = await fetch(`${replica.url}/predict`, {
            method: "POST",
            body: jpeg,
            headers: { "content-type": "image/jpeg" },
          });
          const answer = await res.json();
          if (res.status === 503) assert.equal(answer.error.code, "over_capacity");
          return res.status;
        }));
        assert.ok(statuses.includes(503), `${statuses}`);
        assert.ok(statuses.includes(200), `${statuses}`);
      });
    } finally {
      for (const s of started.reverse()) await s.stop();
    }
  },
});
