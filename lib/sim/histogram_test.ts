import assert from "node:assert/strict";
import { bucketIndex, histogramQuantile, LogHistogram } from "./histogram.ts";

Deno.test("histogramQuantile", async (t) => {
  // Buckets le=0.1, 0.2, 0.4, +Inf.
  const bounds = [0.1, 0.2, 0.4];
  const cases: [string, number, number[], number][] = [
    ["no observations is NaN", 0.95, [0, 0, 0, 0], NaN],
    ["q < 0 is -Inf", -0.1, [1, 2, 3, 4], -Infinity],
    ["q > 1 is +Inf", 1.1, [1, 2, 3, 4], Infinity],
    ["q NaN is NaN", NaN, [1, 2, 3, 4], NaN],
    ["first bucket interpolates from 0", 0.5, [10, 10, 10, 10], 0.05],
    ["middle bucket interpolates linearly", 0.75, [0, 10, 20, 20], 0.3],
    ["rank on a bucket edge takes the lower bucket's bound", 0.5, [0, 10, 20, 20], 0.2],
    ["rank in the +Inf bucket returns the highest finite bound", 0.95, [0, 0, 90, 100], 0.4],
    ["p95 of 100 with 95 at or below 0.2", 0.95, [50, 95, 100, 100], 0.2],
    ["p95 inside the third bucket", 0.95, [50, 90, 100, 100], 0.2 + 0.2 * (5 / 10)],
    ["q = 1 in the last finite bucket", 1, [0, 0, 10, 10], 0.4],
  ];
  for (const [name, q, cumulative, want] of cases) {
    await t.step(name, () => {
      const got = histogramQuantile(q, bounds, cumulative);
      if (Number.isNaN(want)) assert.ok(Number.isNaN(got), `got ${got}`);
      else if (!Number.isFinite(want)) assert.equal(got, want);
      else assert.ok(Math.abs(got - want) < 1e-12, `got ${got}, want ${want}`);
    });
  }
  await t.step("a first bound ≤ 0 is returned as is", () => {
    assert.equal(histogramQuantile(0.5, [0, 1], [5, 6, 6]), 0);
  });
  await t.step("count lengths must match the bounds", () => {
    assert.throws(() => histogramQuantile(0.5, [1, 2], [1, 2]), /one entry per bound plus \+Inf/);
  });
});

Deno.test("bucketIndex", async (t) => {
  const bounds = [0.1, 0.2, 0.4];
  const cases: [string, number, number][] = [
    ["below the first", 0.05, 0],
    ["on a bound (le is inclusive)", 0.2, 1],
    ["between", 0.3, 2],
    ["above the last is +Inf", 5, 3],
  ];
  for (const [name, value, want] of cases) {
    await t.step(name, () => assert.equal(bucketIndex(bounds, value), want));
  }
});

Deno.test("LogHistogram", async (t) => {
  await t.step("empty gives NaN", () => assert.ok(Number.isNaN(new LogHistogram().quantile(0.5))));
  await t.step("quantiles of 1..1000 ms within 2%", () => {
    const h = new LogHistogram();
    for (let i = 1; i <= 1000; i++) h.add(i / 1000);
    const [p50, p95, p99] = h.quantiles([0.5, 0.95, 0.99], []);
    for (const [got, want] of [[p50, 0.5], [p95, 0.95], [p99, 0.99]]) {
      assert.ok(Math.abs(got / want - 1) < 0.02, `got ${got}, want ${want}`);
    }
  });
  await t.step("merge and clear", () => {
    const a = new LogHistogram(), b = new LogHistogram();
    a.add(0.01);
    b.add(1);
    b.add(1);
    a.merge(b);
    assert.equal(a.total, 3);
    assert.ok(Math.abs(a.quantile(0.9) - 1) < 0.02);
    a.clear();
    assert.equal(a.total, 0);
  });
  await t.step("out-of-range values land in the end bins", () => {
    const h = new LogHistogram();
    h.add(0);
    h.add(1e9);
    assert.ok(h.quantile(0.5) < 1e-3);
    assert.ok(h.quantile(1) > 900);
  });
});
