import assert from "node:assert/strict";
import { Hono } from "hono";
import { hostCheck, isValidHost } from "./host.ts";

Deno.test("isValidHost: host[:port] only", async (t) => {
  const cases: [string | null, boolean][] = [
    [null, true],
    ["127.0.0.1", true],
    ["127.0.0.1:5052", true],
    ["resnet-dispatcher.default.svc", true],
    ["[::1]:8080", true],
    ["127.0.0.1/admin/replicas?url=http://127.0.0.1:6199&", false],
    ["127.0.0.1/predict?", false],
    ["a@b", false],
    ["host:port", false],
    ["x#y", false],
    ["127.0.0.1%2Fadmin", false],
    ["", false],
  ];
  for (const [host, valid] of cases) {
    await t.step(String(host), () => assert.equal(isValidHost(host), valid));
  }
});

Deno.test("hostCheck answers 400 before any route runs", async () => {
  let ran = 0;
  const app = new Hono();
  app.use("*", hostCheck);
  app.all("*", (c) => {
    ran++;
    return c.text("routed");
  });
  const bad = await app.request("/healthz", { headers: { host: "127.0.0.1/predict?" } });
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).error.code, "malformed_request");
  const good = await app.request("/healthz", { headers: { host: "127.0.0.1:6000" } });
  assert.equal(good.status, 200);
  assert.equal(ran, 1);
});
