import assert from "node:assert/strict";
import { BoundedQueue } from "./request_queue.ts";

Deno.test("BoundedQueue", async (t) => {
  await t.step("FIFO order and length", () => {
    const q = new BoundedQueue<string>(3);
    q.push("a", 0);
    q.push("b", 1);
    assert.equal(q.length, 2);
    assert.equal(q.shift()?.value, "a");
    assert.equal(q.shift()?.value, "b");
    assert.equal(q.shift(), undefined);
  });
  await t.step("refuses past capacity unless forced", () => {
    const q = new BoundedQueue<number>(2);
    assert.ok(q.push(1, 0));
    assert.ok(q.push(2, 0));
    assert.equal(q.full, true);
    assert.equal(q.push(3, 0), undefined);
    assert.ok(q.push(4, 0, true));
    assert.equal(q.length, 3);
  });
  await t.step("removed entries are skipped and free their place", () => {
    const q = new BoundedQueue<string>(2);
    const a = q.push("a", 0)!;
    q.push("b", 0);
    assert.equal(q.remove(a), true);
    assert.equal(q.remove(a), false);
    assert.equal(q.full, false);
    q.push("c", 5);
    assert.deepEqual(q.drain().map((t) => [t.value, t.enqueuedAt]), [["b", 0], ["c", 5]]);
  });
  await t.step("stays correct over many pushes and removals (compaction)", () => {
    const q = new BoundedQueue<number>(10);
    let next = 0;
    for (let i = 0; i < 5000; i++) {
      q.push(i, i);
      if (i % 3 === 0) q.remove(q.peek()!);
      else assert.equal(q.shift()!.value, next);
      next = i + 1;
    }
    assert.equal(q.length, 0);
  });
  await t.step("rejects a bad capacity", () => {
    assert.throws(() => new BoundedQueue(-1), /capacity must be a non-negative integer: got -1/);
  });
});
