import assert from "node:assert/strict";
import { calibrationFromSamples, describeSamples, requestCpuSeconds } from "./calibration_fit.ts";

Deno.test("describeSamples", async (t) => {
  await t.step("1..100", () => {
    const d = describeSamples(Array.from({ length: 100 }, (_, i) => 100 - i));
    assert.equal(d.mean, 50.5);
    assert.equal(d.p50, 50);
    assert.equal(d.p95, 95);
    assert.equal(d.p99, 99);
    assert.ok(Math.abs(d.std - 29.011) < 1e-3);
  });
  await t.step("too few samples", () => {
    assert.throws(() => describeSamples([1]), /need at least 2 samples to describe: got 1/);
  });
});

Deno.test("calibrationFromSamples", async (t) => {
  await t.step("mean and std per batch size, other fields from the base", () => {
    const c = calibrationFromSamples(
      [{ size: 8, seconds: [0.09, 0.11] }, { size: 1, seconds: [0.014, 0.016] }],
      { threads: 2, name: "here" },
    );
    assert.equal(c.name, "here");
    assert.equal(c.threads, 2);
    assert.deepEqual(c.batches.map((b) => b.size), [1, 8]);
    assert.ok(Math.abs(c.batches[1].meanSeconds! - 0.1) < 1e-12);
    assert.ok(Math.abs(c.batches[1].stdSeconds! - Math.SQRT2 * 0.01) < 1e-12);
  });
  await t.step("bad samples", () => {
    assert.throws(() => calibrationFromSamples([]), /needs samples of one batch size/);
    assert.throws(
      () => calibrationFromSamples([{ size: 1, seconds: [0.01, -1] }]),
      /batch 1 sample must be a finite number > 0: got -1/,
    );
  });
});

Deno.test("requestCpuSeconds", async (t) => {
  await t.step("the CPU beyond threads × batch time, per request", () => {
    const m = { cpuSeconds: 3, requests: 100, batchSeconds: 1, threads: 2 };
    assert.equal(requestCpuSeconds(m), 0.01);
  });
  await t.step("never negative; 0 without requests", () => {
    assert.equal(
      requestCpuSeconds({ cpuSeconds: 1, requests: 10, batchSeconds: 1, threads: 2 }),
      0,
    );
    assert.equal(requestCpuSeconds({ cpuSeconds: 1, requests: 0, batchSeconds: 0, threads: 1 }), 0);
  });
});
