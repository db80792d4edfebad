/**
 * Admin surfaces refuse callers that are not on loopback unless they carry the token: the
 * dispatcher's replica registration (`/admin/replicas`) and the autoscaler's Custom Pod
 * Autoscaler API (`/api/v1/evaluation`, `/api/v1/metrics`). Real processes listen on every
 * address and are called through this machine's own non-loopback address (so the server sees a
 * non-loopback peer); the guards are also checked in-process with a forged peer address, which
 * runs everywhere.
 */
import assert from "node:assert/strict";
import { type Controller, createApp as createAutoscalerApp } from "../lib/autoscaler/mod.ts";
import { createApp as createDispatcherApp } from "../lib/dispatcher/mod.ts";
import { createRegistry } from "../lib/metrics/mod.ts";
import { type Started, startScript } from "./support/process.ts";

/** This machine's first non-loopback IPv4 address, if it has one. */
function externalAddress(): string | undefined {
  try {
    return Deno.networkInterfaces().find((i) =>
      i.family === "IPv4" && !i.address.startsWith("127.")
    )?.address;
  } catch {
    return undefined;
  }
}

const EXTERNAL = externalAddress();

async function status(url: string, init: RequestInit = {}): Promise<number> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  await res.body?.cancel();
  return res.status;
}

const peer = (hostname: string) => ({ remoteAddr: { transport: "tcp", hostname, port: 40000 } });

Deno.test("autoscaler CPA API guard, in-process", async (t) => {
  let ticks = 0;
  const controller = {
    last: undefined,
    tick: () => {
      ticks++;
      return Promise.resolve({ desired: 2, reason: "Test" });
    },
    observe: () => Promise.resolve({}),
  } as unknown as Controller;
  const app = (token: string) =>
    createAutoscalerApp({
      controller,
      registry: createRegistry(),
      resource: "replicas",
      apiAccess: { token },
    });
  const post = { method: "POST" };
  await t.step("a non-loopback caller gets 403 and nothing is evaluated", async () => {
    const res = await app("").request("/api/v1/evaluation", post, peer("192.0.2.7"));
    assert.equal(res.status, 403);
    assert.deepEqual(await res.json(), { message: "loopback callers only", code: 403 });
    assert.equal(ticks, 0);
    const metrics = await app("").request("/api/v1/metrics", {}, peer("10.1.2.3"));
    assert.equal(metrics.status, 403);
  });
  await t.step("a loopback caller is served", async () => {
    const res = await app("").request("/api/v1/evaluation", post, peer("127.0.0.1"));
    assert.equal(res.status, 200);
    assert.equal(ticks, 1);
  });
  await t.step("a caller with no socket address is refused", async () => {
    const res = await app("").request("/api/v1/evaluation", post);
    assert.equal(res.status, 403);
  });
  await t.step("with a token: only the token counts, from anywhere", async () => {
    const a = app("s3cret");
    assert.equal((await a.request("/api/v1/evaluation", post, peer("127.0.0.1"))).status, 403);
    const wrong = { ...post, headers: { authorization: "Bearer nope" } };
    assert.equal((await a.request("/api/v1/evaluation", wrong, peer("192.0.2.7"))).status, 403);
    const right = { ...post, headers: { authorization: "Bearer s3cret" } };
    assert.equal((await a.request("/api/v1/evaluation", right, peer("192.0.2.7"))).status, 200);
  });
  await t.step("/healthz and /metrics stay open", async () => {
    assert.equal((await app("").request("/healthz", {}, peer("192.0.2.7"))).status, 200);
    assert.equal((await app("").request("/metrics", {}, peer("192.0.2.7"))).status, 200);
  });
});

Deno.test("dispatcher admin guard, in-process", async (t) => {
  const app = (adminToken: string) =>
    createDispatcherApp({
      // The admin routes touch only the pool; the rest is never reached.
      dispatcher: {} as never,
      pool: { list: () => [], add: () => true, get: () => undefined } as never,
      registry: createRegistry(),
      metrics: {} as never,
      limits: { maxBodyBytes: 1024, timeoutMs: 1000 },
      state: { draining: false },
      adminToken,
      log: () => {},
    });
  const put = { method: "PUT", body: JSON.stringify({ url: "http://10.9.9.9:1" }) };
  await t.step("a non-loopback caller cannot list or register replicas", async () => {
    assert.equal((await app("").request("/admin/replicas", {}, peer("192.0.2.7"))).status, 403);
    assert.equal((await app("").request("/admin/replicas", put, peer("192.0.2.7"))).status, 403);
  });
  await t.step("a loopback caller can", async () => {
    assert.equal((await app("").request("/admin/replicas", {}, peer("127.0.0.1"))).status, 200);
  });
  await t.step("with a token, only the token counts", async () => {
    const a = app("t0k");
    assert.equal((await a.request("/admin/replicas", {}, peer("127.0.0.1"))).status, 403);
    const auth = { headers: { authorization: "Bearer t0k" } };
    assert.equal((await a.request("/admin/replicas", auth, peer("192.0.2.7"))).status, 200);
  });
});

Deno.test({
  name: "admin APIs of real processes refuse a non-loopback peer",
  ignore: EXTERNAL === undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const started: Started[] = [];
    try {
      const d = await startScript("dispatcher.ts", ["--host=0.0.0.0", "--port=0"]);
      started.push(d);
      const dt = await startScript("dispatcher.ts", [
        "--host=0.0.0.0",
        "--port=0",
        "--admin-token=tok",
      ]);
      started.push(dt);
      const a = await startScript("autoscaler.ts", [
        "run",
        "--host=0.0.0.0",
        "--port=0",
        "--actuator=dry-run",
        "--interval=3600",
        "--scrape-interval=600",
      ]);
      started.push(a);
      const at = await startScript("autoscaler.ts", [
        "run",
        "--host=0.0.0.0",
        "--port=0",
        "--actuator=dry-run",
        "--interval=3600",
        "--scrape-interval=600",
        "--api-token=tok",
      ]);
      started.push(at);
      const ext = (s: Started) => `http://${EXTERNAL}:${s.port}`;
      const bearer = { authorization: "Bearer tok" };
      const register = (token?: boolean) => ({
        method: "PUT",
        body: JSON.stringify({ url: "http://127.0.0.1:9" }),
        headers: token ? bearer : {},
      });
      await t.step("dispatcher: 403 from the external address, 200 on loopback", async () => {
        assert.equal(await status(`${ext(d)}/admin/replicas`), 403);
        assert.equal(await status(`${ext(d)}/admin/replicas`, register()), 403);
        assert.equal(await status(`${ext(d)}/admin/replicas?url=x`, { method: "DELETE" }), 403);
        assert.equal(await status(`${d.url}/admin/replicas`), 200);
        assert.equal(await status(`${ext(d)}/healthz`), 200, "the public API stays reachable");
      });
      await t.step("dispatcher with --admin-token: the token, from anywhere", async () => {
        assert.equal(await status(`${ext(dt)}/admin/replicas`, register()), 403);
        assert.equal(await status(`${dt.url}/admin/replicas`), 403);
        assert.equal(await status(`${ext(dt)}/admin/replicas`, register(true)), 201);
      });
      await t.step("autoscaler: 403 from the external address, served on loopback", async () => {
        assert.equal(await status(`${ext(a)}/api/v1/evaluation`, { method: "POST" }), 403);
        assert.equal(await status(`${ext(a)}/api/v1/metrics`), 403);
        assert.notEqual(
          await status(`${a.url}/api/v1/evaluation?dry_run=true`, {
            method: "POST",
          }),
          403,
        );
        assert.equal(await status(`${ext(a)}/metrics`), 200);
      });
      await t.step("autoscaler with --api-token: the token, from anywhere", async () => {
        const url = `${ext(at)}/api/v1/evaluation?dry_run=true`;
        assert.equal(await status(url, { method: "POST" }), 403);
        assert.equal(await status(`${at.url}/api/v1/metrics`), 403);
        assert.notEqual(await status(url, { method: "POST", headers: bearer }), 403);
      });
    } finally {
      for (const s of started.reverse()) await s.stop();
    }
  },
});
