import assert from "node:assert/strict";
import { Hono } from "hono";
import { accessGuard } from "./guards.ts";

function guarded(token: string): Hono {
  const app = new Hono();
  app.use(
    "/admin/*",
    accessGuard({ token, denied: (c, rule) => c.json({ refused: rule }, 403) }),
  );
  app.get("/admin/x", (c) => c.json({ ok: true }));
  return app;
}

const peer = (hostname: string) => ({ remoteAddr: { transport: "tcp", hostname, port: 40000 } });

Deno.test("accessGuard without a token: loopback callers only", async (t) => {
  const app = guarded("");
  const cases: [string, number][] = [
    ["127.0.0.1", 200],
    ["127.3.2.1", 200],
    ["::1", 200],
    ["::ffff:127.0.0.1", 200],
    ["192.0.2.2", 403],
    ["10.0.0.1", 403],
    ["::ffff:10.0.0.1", 403],
    ["fd00::2", 403],
  ];
  for (const [host, status] of cases) {
    await t.step(host, async () => {
      const res = await app.request("/admin/x", {}, peer(host));
      assert.equal(res.status, status);
      if (status === 403) assert.deepEqual(await res.json(), { refused: "loopback" });
    });
  }
  await t.step("no socket address", async () => {
    assert.equal((await app.request("/admin/x")).status, 403);
  });
});

Deno.test("accessGuard with a token: the bearer token, from anywhere", async (t) => {
  const app = guarded("s3cret");
  const auth = (value: string) => ({ headers: { authorization: value } });
  await t.step("right token from a remote peer", async () => {
    assert.equal(
      (await app.request("/admin/x", auth("Bearer s3cret"), peer("192.0.2.7"))).status,
      200,
    );
  });
  for (
    const [what, init] of [["no header", {}], ["wrong token", auth("Bearer nope")], [
      "not bearer",
      auth("Basic s3cret"),
    ]] as const
  ) {
    await t.step(`${what}, even from loopback`, async () => {
      const res = await app.request("/admin/x", init, peer("127.0.0.1"));
      assert.equal(res.status, 403);
      assert.deepEqual(await res.json(), { refused: "token" });
    });
  }
});

Deno.test("accessGuard refuses a token no bearer header can carry", () => {
  assert.throws(
    () => accessGuard({ token: "has space", denied: (c) => c.body(null, 403) }),
    RangeError,
  );
});
