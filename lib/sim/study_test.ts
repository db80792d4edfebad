import assert from "node:assert/strict";
import type { CapacityTable } from "./capacity.ts";
import { buildScenario } from "./scenarios.ts";
import { runStudy, toPoint } from "./study.ts";

const capacity: CapacityTable = {
  sloSeconds: 0.5,
  quantile: 0.95,
  points: [{ replicas: 1, ratePerReplica: 36 }],
};

Deno.test("runStudy", async (t) => {
  const scenario = buildScenario("step", {
    scale: 0.03,
    durationSeconds: 1500,
    warmupSeconds: 120,
  });
  const labels: string[] = [];
  const study = runStudy(scenario, {
    capacity,
    policies: ["hpa", "cpa"],
    knobValues: { hpa: [50, 90], cpa: [0, 0.4] },
    onRun: (label) => labels.push(label),
  });
  await t.step("runs the oracle, the defaults and every sweep point", () => {
    assert.deepEqual(labels, [
      "oracle",
      "hpa default",
      "cpa default",
      "hpa targetCPUUtilizationPercentage=50",
      "hpa targetCPUUtilizationPercentage=90",
      "cpa headroom=0",
      "cpa headroom=0.4",
    ]);
    assert.equal(study.sweep.length, 4);
    assert.deepEqual(study.steps, [1020]);
    assert.equal(study.seconds, 1500);
    assert.equal(study.warmupSeconds, 120);
  });
  await t.step("the oracle plan is the cost floor and its run keeps the SLO", () => {
    // 30 req/s at 36 per replica: 1 replica; 90 req/s: 3. The floor covers the measured seconds.
    assert.equal(study.oracle.ready[0], 1);
    assert.equal(study.oracle.ready[1100], 3);
    const measured = Array.from(study.oracle.pods.slice(120)).reduce((a, b) => a + b, 0);
    assert.equal(study.oracleReplicaSeconds, measured);
    assert.equal(study.oracleRun!.costRatio! > 0.99 && study.oracleRun!.costRatio! < 1.05, true);
    assert.ok(study.oracleRun!.violationsPercent < 5);
  });
  await t.step("rows carry the summary, frontiers and the dominance check", () => {
    for (const row of [...study.defaults, ...study.sweep]) {
      assert.ok(row.costRatio! > 0);
      assert.equal(row.recoverySeconds.length, 1);
    }
    assert.deepEqual(Object.keys(study.frontiers).sort(), ["cpa", "hpa"]);
    assert.deepEqual(Object.keys(study.cpaDominates), ["hpa"]);
    assert.deepEqual(Object.keys(study.cpaDominatesWithinSlo), ["hpa"]);
    assert.equal(typeof study.cpaGoal!.violationsOk, "boolean");
    assert.deepEqual(Object.keys(toPoint(study.defaults[0])).sort(), [
      "policy",
      "replicaSeconds",
      "value",
      "violationsPercent",
    ]);
  });
});
