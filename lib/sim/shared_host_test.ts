import assert from "node:assert/strict";
import type { Calibration, SharedHost } from "./calibration.ts";
import { runSimulation } from "./engine.ts";
import { fixedCalibration } from "../testing/fixed_calibration.ts";

/** Mean latency of a run of 1 s batches on `replicas` replicas, on `host` (or a cluster). */
function meanLatency(counts: number[], host: SharedHost | undefined, extra = {}): number {
  const calibration: Calibration = { ...fixedCalibration(1), ...(host ? { host } : {}) };
  const r = runSimulation({
    counts,
    seed: 1,
    arrivalMode: "uniform",
    calibration,
    dispatcher: { batchDelaySeconds: 0 },
    controller: { kind: "fixed" },
    initialReplicas: 2,
    sloSeconds: 10,
    ...extra,
  });
  assert.equal(r.totals.served, counts.reduce((a, b) => a + b, 0));
  return r.measured.latency.mean;
}

Deno.test("shared host: batches slow down while the host's CPU is oversubscribed", async (t) => {
  // Arrivals at 0 and 0.5 s go to two idle replicas; each batch takes 1 s alone.
  await t.step("in a cluster, every pod has its own CPU: 1 s each", () => {
    assert.equal(meanLatency([2, 0, 0], undefined), 1);
  });
  await t.step("on 1 core, the batch starting while another runs takes 2 s", () => {
    assert.equal(meanLatency([2, 0, 0], { cores: 1, startupCores: 0 }), 1.5);
  });
  await t.step("on 2 cores, two batches fit: 1 s each", () => {
    assert.equal(meanLatency([2, 0, 0], { cores: 2, startupCores: 0 }), 1);
  });
  await t.step("the background's cores count", () => {
    // 1 running + 1 background on 1 core: ×2 for the first, ×3 for the second batch.
    const host = { cores: 1, startupCores: 0, backgroundCores: 1 };
    assert.equal(meanLatency([2, 0, 0, 0, 0], host), 2.5);
  });
  await t.step("a starting pod slows the one serving", () => {
    // One ready replica; a scheduled pod is created at 1 s and ready at 3.5 s. A request at 2 s
    // runs beside it on 1 core with startupCores 1: ×2; one at 5 s runs alone: ×1.
    const schedule = {
      initialReplicas: 1,
      controller: { kind: "schedule", pods: [1, 2, 2, 2, 2, 2, 2, 2], startupSeconds: 2.5 },
    };
    const host = { cores: 1, startupCores: 1 };
    assert.equal(meanLatency([0, 0, 1, 0, 0, 0, 0, 0], host, schedule), 2);
    assert.equal(meanLatency([0, 0, 0, 0, 0, 1, 0, 0], host, schedule), 1);
    assert.equal(meanLatency([0, 0, 1, 0, 0, 0, 0, 0], undefined, schedule), 1);
  });
});
