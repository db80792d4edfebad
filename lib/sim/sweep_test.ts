import assert from "node:assert/strict";
import { dominance, paretoFrontier, SWEEP_KNOBS, type SweepPoint } from "./sweep.ts";

const p = (
  policy: string,
  value: number,
  violationsPercent: number,
  replicaSeconds: number,
): SweepPoint => ({
  policy,
  value,
  violationsPercent,
  replicaSeconds,
});

Deno.test("paretoFrontier", async (t) => {
  const cases: [string, SweepPoint[], number[]][] = [
    ["empty", [], []],
    ["one point", [p("a", 1, 1, 10)], [1]],
    ["a dominated point goes", [p("a", 1, 1, 10), p("a", 2, 2, 20)], [1]],
    ["a trade-off keeps both, by cost", [p("a", 1, 1, 20), p("a", 2, 5, 10)], [2, 1]],
    ["equal cost, fewer violations wins", [p("a", 1, 3, 10), p("a", 2, 1, 10)], [2]],
    ["duplicates keep the first", [p("a", 1, 1, 10), p("a", 2, 1, 10)], [1]],
    [
      "a staircase",
      [p("a", 1, 0, 50), p("a", 2, 1, 30), p("a", 3, 2, 40), p("a", 4, 5, 10)],
      [4, 2, 1],
    ],
  ];
  for (const [name, points, want] of cases) {
    await t.step(name, () => assert.deepEqual(paretoFrontier(points).map((x) => x.value), want));
  }
});

Deno.test("dominance", async (t) => {
  const hpa = [p("hpa", 30, 0.5, 300), p("hpa", 50, 1, 200), p("hpa", 90, 8, 100)];
  const cases: [string, SweepPoint[], boolean, number[]][] = [
    ["covers every point", [p("cpa", 1, 0.5, 250), p("cpa", 2, 1, 100)], true, []],
    ["equal points cover", hpa.map((x) => ({ ...x, policy: "cpa" })), true, []],
    ["loses where it has nothing as cheap", [p("cpa", 1, 0.2, 150)], false, [90]],
    ["loses where it has nothing as good", [p("cpa", 1, 1, 90)], false, [30]],
    ["no points lose everywhere", [], false, [90, 50, 30]],
  ];
  for (const [name, mine, want, uncovered] of cases) {
    await t.step(name, () => {
      const d = dominance(mine, hpa);
      assert.equal(d.dominates, want);
      assert.deepEqual(d.uncovered.map((x) => x.value), uncovered);
    });
  }
});

Deno.test("dominance within a violation budget", async (t) => {
  const seed = [p("seed", 1, 99, 10), p("seed", 2, 4, 500)];
  const cases: [string, number | undefined, boolean, number[]][] = [
    ["strict: a cheap useless point cannot be covered", undefined, false, [1]],
    ["within 5%: only the useful point counts", 5, true, []],
    ["within 1%: nothing to cover", 1, true, []],
  ];
  for (const [name, max, want, uncovered] of cases) {
    await t.step(name, () => {
      const d = dominance([p("cpa", 0.2, 1, 300)], seed, { maxViolationsPercent: max });
      assert.equal(d.dominates, want);
      assert.deepEqual(d.uncovered.map((x) => x.value), uncovered);
    });
  }
});

Deno.test("SWEEP_KNOBS", async (t) => {
  await t.step("every policy's default value is among its swept values", () => {
    for (const [policy, knob] of Object.entries(SWEEP_KNOBS)) {
      assert.ok(knob.values.includes(knob.defaultValue), policy);
    }
  });
  await t.step("hpa sweeps the CPU target from 30 to 90%", () => {
    assert.equal(SWEEP_KNOBS.hpa.values[0], 30);
    assert.equal(SWEEP_KNOBS.hpa.values.at(-1), 90);
  });
});
