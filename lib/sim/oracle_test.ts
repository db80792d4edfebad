import assert from "node:assert/strict";
import {
  capacityAt,
  type CapacityTable,
  measureCapacity,
  replicasFor,
  violationFraction,
} from "./capacity.ts";
import { movingAverage, oracleNeed, oraclePlan } from "./oracle.ts";
import { fixedCalibration } from "../testing/fixed_calibration.ts";

const table = (points: [number, number][]): CapacityTable => ({
  sloSeconds: 0.5,
  quantile: 0.95,
  points: points.map(([replicas, ratePerReplica]) => ({ replicas, ratePerReplica })),
});

Deno.test("movingAverage", async (t) => {
  const cases: [string, number[], number, number[]][] = [
    ["window 1 is the identity", [1, 2, 3], 1, [1, 2, 3]],
    ["window 3 is centred, shorter at the ends", [3, 0, 0, 3], 3, [1.5, 1, 1, 1.5]],
    ["even window leans right", [0, 4, 0, 0], 2, [2, 2, 0, 0]],
  ];
  for (const [name, values, window, want] of cases) {
    await t.step(name, () => assert.deepEqual([...movingAverage(values, window)], want));
  }
  await t.step("bad window", () => assert.throws(() => movingAverage([1], 0), /got 0/));
});

Deno.test("capacityAt and replicasFor", async (t) => {
  const cap = table([[1, 10], [4, 20]]);
  const at: [string, number, number][] = [
    ["below the grid holds the first point", 0.5, 10],
    ["on a point", 4, 20],
    ["log-linear between points", 2, 15],
    ["past the grid holds the last point", 100, 20],
  ];
  for (const [name, n, want] of at) {
    await t.step(
      `capacityAt: ${name}`,
      () => assert.ok(Math.abs(capacityAt(cap, n) - want) < 1e-9),
    );
  }
  const need: [string, number, number][] = [
    ["no load needs none", 0, 0],
    ["within one replica", 10, 1],
    ["just over one", 10.5, 2],
    ["2 × 15 covers 30 exactly", 30, 2],
    ["3 replicas give 3 × 17.92", 50, 3],
    ["large rates at the last point's capacity", 2001, 101],
  ];
  for (const [name, rate, want] of need) {
    await t.step(`replicasFor: ${name}`, () => assert.equal(replicasFor(cap, rate), want));
  }
  await t.step("replicasFor stops at the limit", () => assert.equal(replicasFor(cap, 1e9, 50), 50));
  await t.step("an empty table throws", () => assert.throws(() => capacityAt(table([]), 1)));
});

Deno.test("oracleNeed", async (t) => {
  const cap = table([[1, 10]]);
  const cases: [string, number[], { min?: number; max?: number; smooth?: number }, number[]][] = [
    ["fewest replicas per second, at least one", [0, 5, 10, 11, 25], {}, [1, 1, 1, 2, 3]],
    ["min and max bounds", [0, 5, 100], { min: 2, max: 5 }, [2, 2, 5]],
    ["smoothing spreads a one-second burst", [0, 0, 30, 0, 0], { smooth: 3 }, [1, 1, 1, 1, 1]],
  ];
  for (const [name, rates, o, want] of cases) {
    await t.step(name, () => {
      const got = oracleNeed(rates, cap, {
        minReplicas: o.min,
        maxReplicas: o.max,
        smoothingSeconds: o.smooth ?? 1,
      });
      assert.deepEqual([...got], want);
    });
  }
});

Deno.test("oraclePlan", async (t) => {
  const cases: {
    name: string;
    need: number[];
    startup: number;
    ready: number[];
    pods: number[];
  }[] = [
    {
      name: "no startup: pods follow the need",
      need: [1, 3, 2, 1],
      startup: 0,
      ready: [1, 3, 2, 1],
      pods: [1, 3, 2, 1],
    },
    {
      name: "pods start a startup ahead of the need",
      need: [1, 1, 1, 3, 3, 1, 1],
      startup: 2,
      ready: [1, 1, 1, 3, 3, 1, 1],
      pods: [1, 3, 3, 3, 3, 1, 1],
    },
    {
      name: "a gap no longer than the startup is kept",
      need: [2, 1, 2, 1, 1, 1, 1],
      startup: 2,
      ready: [2, 2, 2, 1, 1, 1, 1],
      pods: [2, 2, 2, 1, 1, 1, 1],
    },
    {
      name: "a longer gap is stopped and restarted",
      need: [3, 1, 1, 1, 3, 1],
      startup: 2,
      ready: [3, 1, 1, 1, 3, 1],
      pods: [3, 1, 3, 3, 3, 1],
    },
    {
      name: "nested layers: the inner gap is kept, the outer one not",
      need: [3, 2, 3, 1, 1, 1, 1, 3],
      startup: 1.5,
      ready: [3, 3, 3, 1, 1, 1, 1, 3],
      pods: [3, 3, 3, 1, 1, 3, 3, 3],
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const plan = oraclePlan(c.need, c.startup);
      assert.deepEqual([...plan.ready], c.ready);
      assert.deepEqual([...plan.pods], c.pods);
      assert.equal(plan.replicaSeconds, c.pods.reduce((a, b) => a + b, 0));
    });
  }
  await t.step("bad startup", () => assert.throws(() => oraclePlan([1], -1), /got -1/));
});

Deno.test("measureCapacity", async (t) => {
  // One replica at a time (batch 1, cap 1) serving exactly 0.1 s: the SLO of 0.5 s holds while
  // the queue stays short, so capacity is below the 10 req/s saturation but close to it.
  const model = {
    calibration: fixedCalibration(0.1),
    dispatcher: { maxBatch: 1, perReplicaInflight: 1, batchDelaySeconds: 0 },
  };
  const options = { replicas: [1, 4], requestsPerRun: 3_000, minSeconds: 60, iterations: 7 };
  const cap = measureCapacity(model, options);
  await t.step("one point per grid entry, ascending", () => {
    assert.deepEqual(cap.points.map((p) => p.replicas), [1, 4]);
    assert.equal(cap.quantile, 0.95);
    assert.equal(cap.sloSeconds, 0.5);
  });
  await t.step("capacity is below saturation and pools with more replicas", () => {
    const [one, four] = cap.points.map((p) => p.ratePerReplica);
    assert.ok(one > 5 && one < 10, `one replica: ${one}`);
    assert.ok(four >= one && four <= 10, `four replicas: ${four}`);
  });
  await t.step("the measured rate keeps the SLO and 10% more does not", () => {
    const at = (rate: number) =>
      violationFraction(model, {
        replicas: 1,
        ratePerReplica: rate,
        seconds: 310,
        warmup: 10,
        seed: 1,
      });
    const rate = cap.points[0].ratePerReplica;
    assert.ok(at(rate) <= 0.05, `at ${rate}: ${at(rate)}`);
    assert.ok(at(Math.min(10, rate * 1.1)) > 0.05);
  });
  await t.step("bad quantile or grid", () => {
    assert.throws(
      () => measureCapacity(model, { quantile: 1 }),
      /quantile must be in \(0, 1\): got 1/,
    );
    assert.throws(() => measureCapacity(model, { replicas: [0] }), /got 0/);
  });
});
