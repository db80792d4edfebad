import assert from "node:assert/strict";
import { rows, softmax, topK } from "./topk.ts";

Deno.test("softmax", async (t) => {
  await t.step("sums to one and is stable for large logits", () => {
    const p = softmax([1000, 1001, 1002]);
    const sum = p.reduce((s, v) => s + v, 0);
    assert.ok(Math.abs(sum - 1) < 1e-12);
    assert.ok(p[2] > p[1] && p[1] > p[0]);
    assert.ok(Math.abs(p[2] - 1 / (1 + Math.exp(-1) + Math.exp(-2))) < 1e-12);
  });
});

Deno.test("topK", async (t) => {
  const labels = ["cat", "dog", "fox", "owl"];
  const cases: { name: string; logits: number[]; k: number; want: number[] }[] = [
    { name: "best first", logits: [0, 3, 1, 2], k: 3, want: [1, 3, 2] },
    { name: "k = 1", logits: [5, 3, 1, 2], k: 1, want: [0] },
    { name: "k above length returns all", logits: [0, 1], k: 5, want: [1, 0] },
    { name: "ties keep lower index first", logits: [1, 2, 2, 0], k: 2, want: [1, 2] },
    { name: "last element best", logits: [0, 0, 0, 9], k: 2, want: [3, 0] },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const got = topK(c.logits, c.k, labels);
      assert.deepEqual(got.map((s) => s.class_index), c.want);
      assert.deepEqual(got.map((s) => s.label), c.want.map((i) => labels[i]));
      const p = softmax(c.logits);
      for (const s of got) assert.equal(s.confidence, p[s.class_index]);
    });
  }
  await t.step("unknown label falls back to class_<i>", () => {
    assert.equal(topK([0, 1], 1, [])[0].label, "class_1");
  });
  await t.step("rejects k < 1", () => {
    assert.throws(() => topK([1], 0, labels), /k must be a positive integer: got 0/);
  });
});

Deno.test("rows", async (t) => {
  await t.step("splits a batch into per-image views", () => {
    const r = rows(new Float32Array([1, 2, 3, 4, 5, 6]), 2);
    assert.deepEqual(r.map((x) => Array.from(x)), [[1, 2, 3], [4, 5, 6]]);
  });
  await t.step("rejects a length that does not divide", () => {
    assert.throws(() => rows(new Float32Array(5), 2), /not a multiple of batch 2/);
  });
});
