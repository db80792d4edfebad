import assert from "node:assert/strict";
import { EventHeap } from "./heap.ts";
import { createRng } from "../shared/mod.ts";

function drain(heap: EventHeap): [number, number, number][] {
  const out: [number, number, number][] = [];
  while (heap.pop()) out.push([heap.time, heap.kind, heap.a]);
  return out;
}

Deno.test("EventHeap", async (t) => {
  const cases: { name: string; push: [number, number][]; want: [number, number][] }[] = [
    { name: "empty", push: [], want: [] },
    { name: "one", push: [[1, 7]], want: [[1, 7]] },
    { name: "earliest first", push: [[3, 1], [1, 2], [2, 3]], want: [[1, 2], [2, 3], [3, 1]] },
    {
      name: "equal times keep push order",
      push: [[5, 1], [5, 2], [1, 3], [5, 4], [5, 5]],
      want: [[1, 3], [5, 1], [5, 2], [5, 4], [5, 5]],
    },
    { name: "negative and zero times", push: [[0, 1], [-2, 2]], want: [[-2, 2], [0, 1]] },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const heap = new EventHeap(2);
      for (const [time, kind] of c.push) heap.push(time, kind, kind * 10);
      assert.equal(heap.size, c.push.length);
      assert.deepEqual(drain(heap), c.want.map(([time, kind]) => [time, kind, kind * 10]));
      assert.equal(heap.peekTime(), Infinity);
    });
  }
  await t.step("matches a stable sort on 10,000 random events with ties (grows past 2)", () => {
    const rng = createRng(3);
    const heap = new EventHeap(2);
    const events = Array.from({ length: 10_000 }, (_, i) => ({ time: rng.nextU32() % 500, i }));
    for (const e of events) heap.push(e.time, 0, e.i);
    const want = [...events].sort((a, b) => a.time - b.time || a.i - b.i).map((e) => e.i);
    assert.deepEqual(drain(heap).map((e) => e[2]), want);
  });
  await t.step("interleaved pushes and pops stay ordered", () => {
    const heap = new EventHeap(4);
    heap.push(10, 1);
    heap.push(5, 2);
    assert.ok(heap.pop());
    assert.equal(heap.time, 5);
    heap.push(7, 3);
    heap.push(10, 4);
    assert.deepEqual(drain(heap).map((e) => e[1]), [3, 1, 4]);
  });
  await t.step("rejects NaN times and bad capacities", () => {
    assert.throws(() => new EventHeap(2).push(NaN, 1), /event time must be a number: got NaN/);
    assert.throws(() => new EventHeap(0), /heap capacity must be an integer ≥ 1: got 0/);
  });
});
