import assert from "node:assert/strict";
import { sweepFromRuns } from "./live_sweep.ts";
import { parseKnobValues } from "./run.ts";
import { throughputFactor } from "./measure_calibration.ts";
import type { ReportRun } from "../report/mod.ts";
import { summary } from "../testing/report_fixture.ts";

function run(policy: string, violationsPercent: number, replicaSeconds: number): ReportRun {
  const series = {
    offered: [],
    served: [],
    failed: [],
    rejected: [],
    replicas: [],
    desired: [],
    p95: [],
  };
  return { label: policy, policy, summary: summary({ violationsPercent, replicaSeconds }), series };
}

Deno.test("sweepFromRuns", async (t) => {
  const runs = [
    { run: run("hpa", 0, 300), value: 30 },
    { run: run("hpa", 5, 150), value: 80 },
    { run: run("cpa", 1, 140), value: 0.1 },
    { run: run("cpa", 0, 200), value: 0.4 },
  ];
  const oracle = { policy: "oracle", value: NaN, violationsPercent: 0, replicaSeconds: 100 };
  const sweep = sweepFromRuns(runs, oracle);
  await t.step("knobs per policy", () => {
    assert.deepEqual(sweep.knobs, { hpa: "targetCPUUtilizationPercentage", cpa: "headroom" });
  });
  await t.step("every point and the oracle's", () => {
    assert.equal(sweep.points.length, 5);
    assert.deepEqual(sweep.points.at(-1), oracle);
  });
  await t.step("frontiers by cost", () => {
    assert.deepEqual(sweep.frontiers.hpa.map((p) => p.value), [80, 30]);
  });
  await t.step("cpa dominates hpa", () => {
    assert.equal(sweep.dominance.hpa.dominates, true);
    assert.deepEqual(Object.keys(sweep.dominance), ["hpa"]);
  });
  await t.step("no cpa, no dominance", () => {
    assert.deepEqual(sweepFromRuns(runs.slice(0, 2)).dominance, {});
  });
});

Deno.test("parseKnobValues", async (t) => {
  await t.step("empty", () => assert.deepEqual(parseKnobValues(""), {}));
  await t.step("values", () => {
    assert.deepEqual(parseKnobValues('{"hpa": [50, 80]}'), { hpa: [50, 80] });
  });
  const bad: [string, string, RegExp][] = [
    ["not JSON", "hpa=50", /must be JSON/],
    ["a list", "[1]", /JSON object/],
    ["unknown policy", '{"x": [1]}', /got x/],
    ["not numbers", '{"cpa": ["a"]}', /cpa must be a non-empty list of numbers/],
    ["empty list", '{"cpa": []}', /non-empty/],
  ];
  for (const [name, text, pattern] of bad) {
    await t.step(name, () => assert.throws(() => parseKnobValues(text), pattern));
  }
});

Deno.test("throughputFactor", async (t) => {
  const samples = [
    { size: 1, seconds: [0.02, 0.02] },
    { size: 8, seconds: [0.1, 0.1] }, // 80 images/s from inference alone
  ];
  const cases: [string, number | undefined, number][] = [
    ["slower end to end", 40, 2],
    ["as fast: no change", 80, 1],
    ["faster: never below 1", 100, 1],
    ["not measured", undefined, 1],
  ];
  for (const [name, ips, want] of cases) {
    await t.step(name, () => assert.equal(throughputFactor(samples, ips), want));
  }
});
