import assert from "node:assert/strict";
import { createHandler } from "./app.ts";
import type { RelayRequest } from "./relay.ts";
import { createRegistry, dispatcherMetrics } from "../metrics/mod.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A handler whose dispatcher echoes what it was asked to relay (after `hold`, if given). */
function echoHandler(options: { maxInflightBytes?: number; hold?: Promise<void> } = {}) {
  const registry = createRegistry();
  const metrics = dispatcherMetrics(registry, {
    queueLength: () => 0,
    inflight: () => 0,
    replicas: () => ({ unready: 0, ready: 1, ejected: 0, draining: 0 }),
  });
  const dispatcher = {
    async dispatch(request: RelayRequest, deadline: number) {
      await options.hold;
      return {
        status: 200,
        headers: { "content-type": "application/json", "x-replica": "echo" },
        body: enc.encode(JSON.stringify({
          method: request.method,
          path: request.path,
          headers: request.headers,
          body: request.body === null ? null : dec.decode(request.body),
          deadline,
        })),
      };
    },
  };
  return createHandler({
    dispatcher: dispatcher as never,
    pool: { anyReady: true, counts: () => ({}) } as never,
    registry,
    metrics,
    limits: {
      maxBodyBytes: 1024,
      timeoutMs: 30_000,
      bodyTimeoutMs: 1000,
      maxInflightBytes: options.maxInflightBytes,
    },
    state: { draining: false },
    adminToken: "",
    log: () => {},
    now: () => 1_000_000,
  });
}

Deno.test("createHandler", async (t) => {
  const handler = echoHandler();
  const cases: [string, string, number, string?][] = [
    ["POST", "/predict?topk=2", 200, "/predict?topk=2"],
    ["POST", "/predict?", 200, "/predict"],
    ["POST", "/predict", 200, "/predict"],
    ["POST", "/v2/models/resnet18/infer", 200, "/v2/models/resnet18/infer"],
    ["GET", "/v2/models/resnet18", 200, "/v2/models/resnet18"],
    ["GET", "/v2/models/resnet18/ready", 200, "/v2/models/resnet18/ready"],
    ["GET", "/v2/models/a@b:1/ready?x='y'", 200, "/v2/models/a@b:1/ready?x=%27y%27"],
    ["POST", "/pr%65dict", 200, "/pr%65dict"],
    ["POST", "/predict?q=%2F..%2F", 200, "/predict?q=%2F..%2F"],
    ["GET", "/predict", 404],
    ["POST", "/predict/", 404],
    ["POST", "/v2/models/resnet18", 404],
    ["GET", "/v2/models/resnet18/infer", 404],
    ["POST", "/v2/models//infer", 404],
    ["GET", "/healthz", 200],
  ];
  for (const [method, target, status, relayed] of cases) {
    await t.step(`${method} ${target}: fast path and Hono app agree`, async () => {
      const init = () => ({
        method,
        body: method === "POST" ? "img" : undefined,
        headers: { "content-type": "image/jpeg", "x-request-deadline-ms": "1000500" },
      });
      const fast = await handler.fetch(new Request(`http://d${target}`, init()));
      const slow = await handler.app.fetch(new Request(`http://d${target}`, init()));
      assert.equal(fast.status, status);
      assert.equal(slow.status, status);
      const [a, b] = [await fast.text(), await slow.text()];
      assert.equal(a, b);
      if (relayed !== undefined) {
        const echo = JSON.parse(a);
        assert.equal(echo.path, relayed);
        assert.equal(echo.method, method);
        assert.equal(echo.body, method === "POST" ? "img" : null);
        assert.equal(echo.deadline, 1_000_500);
        assert.deepEqual(echo.headers, {
          "x-request-deadline-ms": "1000500",
          "content-type": "image/jpeg",
        });
        assert.equal(fast.headers.get("x-replica"), "echo");
      }
    });
  }
  await t.step("a deadline that is not epoch milliseconds is a 400", async () => {
    for (const bad of ["soon", "0x10", "-5", "1e12", ""]) {
      const res = await handler.fetch(
        new Request("http://d/predict", {
          method: "POST",
          body: "img",
          headers: { "x-request-deadline-ms": bad },
        }),
      );
      assert.equal(res.status, 400, bad);
      assert.equal((await res.json()).error.code, "malformed_request");
    }
  });
  await t.step("a body over the limit is refused on the fast path (413)", async () => {
    const res = await handler.fetch(
      new Request("http://d/predict", { method: "POST", body: "x".repeat(2000) }),
    );
    assert.equal(res.status, 413);
    await res.body?.cancel();
  });
});

Deno.test("createHandler: request-body bytes in hand", async (t) => {
  let release!: () => void;
  const hold = new Promise<void>((resolve) => release = resolve);
  const handler = echoHandler({ maxInflightBytes: 1000, hold });
  const post = (bytes: number) =>
    handler.fetch(new Request("http://d/predict", { method: "POST", body: "x".repeat(bytes) }));
  const first = post(800);
  await new Promise((r) => setTimeout(r, 10));
  await t.step("past the budget: 429 with Retry-After, at once", async () => {
    const res = await post(300);
    assert.equal(res.status, 429);
    assert.equal(res.headers.get("retry-after"), "1");
    assert.match((await res.json()).error.message, /over the 0\.0 MiB budget/);
  });
  await t.step("over the body limit: 413, whatever the budget", async () => {
    const res = await post(2000);
    assert.equal(res.status, 413);
    await res.body?.cancel();
  });
  await t.step("the bytes come back when the first request is answered", async () => {
    release();
    assert.equal((await first).status, 200);
    const res = await post(300);
    assert.equal(res.status, 200);
    await res.body?.cancel();
  });
});
