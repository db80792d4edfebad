import assert from "node:assert/strict";
import { normaliseUrl, ReplicaPool } from "./replica_pool.ts";

function pool(perReplicaInflight = 2, ejectAfter = 2) {
  let capacityEvents = 0;
  const p = new ReplicaPool({ perReplicaInflight, ejectAfter, onCapacity: () => capacityEvents++ });
  return { p, events: () => capacityEvents };
}

const A = "http://127.0.0.1:6001", B = "http://127.0.0.1:6002";

Deno.test("ReplicaPool: admission and ejection", async (t) => {
  await t.step("a new replica takes no work until a probe passes", () => {
    const { p, events } = pool();
    p.add(A);
    assert.deepEqual(p.candidates(), []);
    p.probed(A, true);
    assert.deepEqual(p.candidates(), [{ id: A, outstanding: 0 }]);
    assert.equal(events(), 1);
  });

  await t.step("in-flight cap removes a busy replica from the candidates", () => {
    const { p } = pool(2);
    p.add(A);
    p.probed(A, true);
    p.acquire(A);
    p.acquire(A);
    assert.deepEqual(p.candidates(), []);
    p.release(A);
    assert.deepEqual(p.candidates(), [{ id: A, outstanding: 1 }]);
  });

  await t.step("consecutive connection failures eject; a passing probe re-admits", () => {
    const { p } = pool(2, 2);
    p.add(A);
    p.probed(A, true);
    p.failed(A);
    assert.equal(p.get(A)!.state, "ready");
    p.failed(A);
    assert.equal(p.get(A)!.state, "ejected");
    assert.deepEqual(p.candidates(), []);
    p.probed(A, true);
    assert.equal(p.get(A)!.state, "ready");
    assert.equal(p.get(A)!.failures, 0);
  });

  await t.step("an answer resets the failure count", () => {
    const { p } = pool(2, 2);
    p.add(A);
    p.probed(A, true);
    p.failed(A);
    p.answered(A);
    p.failed(A);
    assert.equal(p.get(A)!.state, "ready");
  });

  await t.step("a failed probe makes a ready replica unready", () => {
    const { p } = pool();
    p.add(A);
    p.probed(A, true);
    p.probed(A, false);
    assert.equal(p.get(A)!.state, "unready");
  });
});

Deno.test("ReplicaPool: draining and membership", async (t) => {
  await t.step("draining: no new work, forgotten when its last request ends", () => {
    const { p } = pool();
    p.add(A);
    p.probed(A, true);
    p.acquire(A);
    p.drain(A);
    assert.equal(p.get(A)!.state, "draining");
    assert.deepEqual(p.candidates(), []);
    p.probed(A, true);
    assert.equal(p.get(A)!.state, "draining", "a probe does not revive a draining replica");
    p.release(A);
    assert.equal(p.get(A), undefined);
  });

  await t.step("replace adds new members and drains the rest", () => {
    const { p } = pool();
    p.add(A);
    p.replace([B]);
    assert.equal(p.get(A), undefined, "idle A is gone at once");
    assert.equal(p.get(B)!.state, "unready");
    assert.deepEqual(p.counts(), { unready: 1, ready: 0, ejected: 0, draining: 0 });
  });

  await t.step("candidates honour exclusions", () => {
    const { p } = pool();
    for (const u of [A, B]) {
      p.add(u);
      p.probed(u, true);
    }
    assert.deepEqual(p.candidates(new Set([A])).map((c) => c.id), [B]);
  });
});

Deno.test("ReplicaPool: URLs", async (t) => {
  await t.step("URLs are normalised and checked", () => {
    assert.equal(normaliseUrl("http://127.0.0.1:6001/"), A);
    assert.throws(() => normaliseUrl("ftp://x"), /must be http\(s\):\/\/host:port: got ftp:\/\/x/);
    assert.throws(() => normaliseUrl("nonsense"), /got nonsense/);
    for (
      const bad of [
        "http://127.0.0.1:0",
        "http://user:pw@127.0.0.1:6001",
        "http://127.0.0.1:6001/?x=1",
        "http://127.0.0.1:6001/#f",
        "http://127.0.0.1:6001?",
        "http://127.0.0.1:65536",
      ]
    ) {
      assert.throws(() => normaliseUrl(bad), /must be http\(s\):\/\/host:port/, bad);
    }
  });
});
