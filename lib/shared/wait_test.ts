import assert from "node:assert/strict";
import { waitFor } from "./wait.ts";

Deno.test("waitFor resolves once the check holds, counting throws as false", async () => {
  let calls = 0;
  await waitFor("the third call", () => {
    calls++;
    if (calls === 1) throw new Error("not yet");
    return calls >= 3;
  }, { intervalMs: 1 });
  assert.equal(calls, 3);
});

Deno.test("waitFor names what it waited for when it times out", async () => {
  await assert.rejects(
    waitFor("a miracle", () => false, { timeoutMs: 20, intervalMs: 5 }),
    /timed out after 20 ms waiting for a miracle/,
  );
});

Deno.test("waitFor stops when its signal aborts", async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error("stopped")), 10);
  await assert.rejects(
    waitFor("never", () => false, { timeoutMs: 5000, intervalMs: 2, signal: controller.signal }),
    /stopped/,
  );
});
