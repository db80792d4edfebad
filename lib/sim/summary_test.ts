import assert from "node:assert/strict";
import {
  detectSteps,
  oscillations,
  recoveryTimes,
  summarize,
  violationPercent,
} from "./summary.ts";
import { runSimulation } from "./engine.ts";

Deno.test("violationPercent", async (t) => {
  const cases: [
    string,
    { served: number; late: number; failed: number; rejected: number },
    number,
  ][] = [
    ["nothing ended", { served: 0, late: 0, failed: 0, rejected: 0 }, 0],
    ["all on time", { served: 100, late: 0, failed: 0, rejected: 0 }, 0],
    ["late, failed and rejected all count", { served: 90, late: 5, failed: 4, rejected: 6 }, 15],
    ["everything rejected", { served: 0, late: 0, failed: 0, rejected: 7 }, 100],
  ];
  for (const [name, totals, want] of cases) {
    await t.step(name, () => assert.equal(violationPercent(totals), want));
  }
});

Deno.test("detectSteps", async (t) => {
  const flat = new Array(600).fill(100);
  const step = flat.map((r, i) => (i >= 300 ? 300 : r));
  const twoSteps = flat.map((_, i) => (i < 200 ? 100 : i < 400 ? 200 : 400));
  const ramp = flat.map((_, i) => 100 + i);
  const fromZero = flat.map((_, i) => (i >= 250 ? 50 : 0));
  const cases: [string, number[], number[]][] = [
    ["flat has none", flat, []],
    ["one step at 300", step, [300]],
    ["two doublings", twoSteps, [200, 400]],
    ["a ramp is not a step", ramp, []],
    ["from zero", fromZero, [250]],
    ["a step down is not a step up", step.map((r) => 400 - r), []],
    ["too short for a window", [1, 100], []],
  ];
  for (const [name, rates, want] of cases) {
    await t.step(name, () => assert.deepEqual(detectSteps(rates), want));
  }
  await t.step("minRate ignores small steps", () => {
    assert.deepEqual(detectSteps(fromZero, { minRate: 100 }), []);
  });
});

/** A series from per-second [served, late, failed, rejected]. */
function series(rows: [number, number, number, number][]) {
  const col = (i: number) => Int32Array.from(rows.map((r) => r[i]));
  return { served: col(0), late: col(1), failed: col(2), rejected: col(3) };
}

Deno.test("recoveryTimes", async (t) => {
  const good: [number, number, number, number] = [100, 0, 0, 0];
  const bad: [number, number, number, number] = [50, 30, 0, 50];
  const edge: [number, number, number, number] = [100, 5, 0, 0]; // exactly 5%: good
  const rows = (...parts: [number, [number, number, number, number]][]) =>
    series(parts.flatMap(([n, row]) => new Array(n).fill(row)));
  const cases: [string, ReturnType<typeof series>, number[], (number | null)[]][] = [
    ["never hurt: 0", rows([20, good]), [5], [0]],
    ["bad for 7 s after the step", rows([5, good], [7, bad], [10, good]), [5], [7]],
    ["a relapse restarts the hold", rows([5, bad], [3, good], [2, bad], [10, good]), [0], [10]],
    ["5% of a second's requests is still good", rows([10, edge]), [0], [0]],
    ["not recovered by the end", rows([5, good], [10, bad], [3, good]), [5], [null]],
    [
      "not recovered before the next step",
      rows([10, bad], [10, bad], [10, good]),
      [0, 10],
      [null, 10],
    ],
    ["empty seconds are good", rows([5, [0, 0, 0, 0]]), [0], [0]],
  ];
  for (const [name, s, steps, want] of cases) {
    await t.step(name, () => assert.deepEqual(recoveryTimes(s, steps, { holdSeconds: 5 }), want));
  }
});

Deno.test("oscillations", async (t) => {
  const cases: [string, number[], number][] = [
    ["flat", [3, 3, 3], 0],
    ["monotone up", [1, 2, 2, 5], 0],
    ["up then down", [1, 3, 3, 2], 1],
    ["up, down, up, down with plateaus", [1, 2, 3, 2, 2, 3, 1], 3],
    ["empty", [], 0],
  ];
  for (const [name, values, want] of cases) {
    await t.step(name, () => assert.equal(oscillations(values), want));
  }
});

Deno.test("summarize", async (t) => {
  await t.step("totals, cost ratio, mean replicas and recovery from a run", () => {
    const r = runSimulation({
      counts: new Array(120).fill(50),
      seed: 3,
      controller: { kind: "fixed" },
      initialReplicas: 4,
    });
    const s = summarize(r, { steps: [60], oracleReplicaSeconds: 240 });
    assert.equal(s.arrivals, 6000);
    assert.equal(s.replicaSeconds, 480);
    assert.equal(s.costRatio, 2);
    assert.equal(s.meanReplicas, 4);
    assert.deepEqual(s.recoverySeconds, [0]);
    assert.equal(s.oscillations, 0);
    assert.equal(s.violationsPercent, 0);
    assert.ok(s.p50 <= s.p95 && s.p95 <= s.p99);
  });
  await t.step("no oracle, no ratio", () => {
    const r = runSimulation({
      counts: [1],
      seed: 1,
      controller: { kind: "fixed" },
      initialReplicas: 1,
    });
    assert.equal(summarize(r).costRatio, null);
  });
});
