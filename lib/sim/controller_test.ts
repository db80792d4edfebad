import assert from "node:assert/strict";
import { K8S_CALIBRATION } from "./calibration.ts";
import { createPolicyController, simSpec } from "./controller.ts";

const context = { minReplicas: 2, maxReplicas: 500, calibration: K8S_CALIBRATION, maxBatch: 8 };

Deno.test("simSpec", async (t) => {
  await t.step("every policy gets the run's bounds", () => {
    assert.deepEqual(simSpec("hpa", undefined, context), { minReplicas: 2, maxReplicas: 500 });
  });
  await t.step("cpa gets the calibrated capacity", () => {
    const spec = simSpec("cpa", undefined, context);
    assert.equal(spec.serviceRatePerReplica, 40);
    assert.equal(spec.serviceTimeSeconds, 0.2);
  });
  await t.step("cpa gets the pipeline's rate window when the run has one", () => {
    assert.equal(simSpec("cpa", undefined, context).rateWindowSeconds, undefined);
    const spec = simSpec("cpa", undefined, { ...context, rateWindowSeconds: 15 });
    assert.equal(spec.rateWindowSeconds, 15);
    const given = simSpec("cpa", { rateWindowSeconds: 30 }, { ...context, rateWindowSeconds: 15 });
    assert.equal(given.rateWindowSeconds, 30);
    assert.equal(
      simSpec("hpa", undefined, { ...context, rateWindowSeconds: 15 }).rateWindowSeconds,
      undefined,
    );
  });
  await t.step("a given spec wins", () => {
    const spec = simSpec("cpa", { serviceRatePerReplica: 25, maxReplicas: 9 }, context);
    assert.equal(spec.serviceRatePerReplica, 25);
    assert.equal(spec.maxReplicas, 9);
  });
});

Deno.test("createPolicyController", async (t) => {
  await t.step("fills defaults and keeps state between ticks", () => {
    const c = createPolicyController("queue", { maxReplicas: 50 });
    assert.equal((c.spec as { targetPerReplica: number }).targetPerReplica, 10);
    const up = c.tick({ now: 0, currentReplicas: 2, queueLength: 100, inFlight: 0 });
    assert.equal(up.desired, 6); // 100 / 10 = 10, limited to max(2 + 4 pods, 2 + 100%) per 15 s
    assert.equal(up.reason, "ScaleUpLimit");
    const again = c.tick({ now: 5, currentReplicas: 6, queueLength: 100, inFlight: 0 });
    assert.equal(again.desired, 6); // the scale event 5 s ago still counts
  });
  await t.step("a bad spec throws the policy's InputError", () => {
    assert.throws(
      () => createPolicyController("kpa", { targetConcurrencyPerReplica: -1 }),
      /targetConcurrencyPerReplica/,
    );
  });
  await t.step("an unknown policy throws", () => {
    assert.throws(() => createPolicyController("nope" as "hpa", {}), /policy must be one of/);
  });
});
