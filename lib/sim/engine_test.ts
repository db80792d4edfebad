import assert from "node:assert/strict";
import { runSimulation, type SimResult } from "./engine.ts";
import type { SimConfig } from "./config.ts";
import { fixedCalibration } from "../testing/fixed_calibration.ts";

function inFlight(r: SimResult): number {
  return r.inFlightAtEnd.queued + r.inFlightAtEnd.atReplicas;
}

Deno.test("runSimulation event ordering", async (t) => {
  // One replica, batches of any size take 0.5 s, arrivals every 0.25 s (uniform), no batch delay.
  // A completion at the same instant as an arrival runs first, so the batch that starts at 0.5
  // holds only the request of 0.25 (the one of 0.5 waits for the next batch).
  const base: SimConfig = {
    counts: [4, 4],
    seed: 1,
    arrivalMode: "uniform",
    calibration: fixedCalibration(0.5),
    dispatcher: { batchDelaySeconds: 0 },
    controller: { kind: "fixed" },
    initialReplicas: 1,
    sloSeconds: 0.8,
  };
  await t.step("batches [0], [0.25], [0.5, 0.75], [1, 1.25]; the last still running at 2 s", () => {
    const r = runSimulation(base);
    assert.deepEqual(r.totals, { arrivals: 8, served: 4, late: 1, failed: 0, rejected: 0 });
    // Waits at batch start: 0, 0.25, 0.5, 0.25, 0.5, 0.25.
    assert.ok(Math.abs(r.meanWaitSeconds - 1.75 / 6) < 1e-9, `wait ${r.meanWaitSeconds}`);
    // Latencies 0.5, 0.75, 1.0, 0.75.
    assert.ok(Math.abs(r.measured.latency.mean - 0.75) < 1e-9, `mean ${r.measured.latency.mean}`);
    assert.deepEqual(r.inFlightAtEnd, { queued: 0, atReplicas: 4 });
  });
  await t.step("a batch delay holds the first request until a second arrives", () => {
    // Delay 0.3 s: 0 waits for its timer (0.3), 0.25 joins: batch [0, 0.25] runs 0.3–0.8; at 0.8
    // the oldest of [0.5, 0.75] has waited 0.3, so that batch starts at once.
    const r = runSimulation({ ...base, counts: [4], dispatcher: { batchDelaySeconds: 0.3 } });
    assert.equal(r.totals.served, 2);
    assert.ok(Math.abs(r.meanWaitSeconds - 0.7 / 4) < 1e-9, `wait ${r.meanWaitSeconds}`);
  });
  await t.step("a full batch starts before the delay expires", () => {
    // maxBatch 2: [0, 0.25] starts at 0.25; at 0.75 the completion comes first, 0.5 alone waits
    // for its timer, then 0.75 fills the batch, which starts at 0.75.
    const r = runSimulation({
      ...base,
      counts: [4],
      dispatcher: { batchDelaySeconds: 0.3, maxBatch: 2 },
    });
    assert.equal(r.totals.served, 2);
    assert.ok(Math.abs(r.meanWaitSeconds - 0.5 / 4) < 1e-9, `wait ${r.meanWaitSeconds}`);
  });
  await t.step("least-outstanding spreads requests over idle replicas", () => {
    const r = runSimulation({ ...base, counts: [4], initialReplicas: 2 });
    // 0 → A, 0.25 → B, 0.5 → A (done at 0.5, ordered first), 0.75 → B: nobody waits.
    assert.equal(r.meanWaitSeconds, 0);
    assert.equal(r.totals.served, 2);
  });
});

Deno.test("runSimulation determinism", async (t) => {
  const config: SimConfig = {
    counts: Array.from({ length: 240 }, (_, i) => (i < 120 ? 80 : 240)),
    seed: 11,
    controller: { kind: "policy", policy: "cpa" },
    initialReplicas: 3,
    maxReplicas: 50,
  };
  await t.step("same seed, same result", () => {
    assert.deepEqual(runSimulation(config), runSimulation(config));
  });
  await t.step("another seed, other arrivals and service times", () => {
    const a = runSimulation(config), b = runSimulation({ ...config, seed: 12 });
    assert.notDeepEqual(a.measured.latency, b.measured.latency);
    assert.equal(a.totals.arrivals, b.totals.arrivals);
  });
});

Deno.test("runSimulation conservation", async (t) => {
  const counts = Array.from({ length: 300 }, (_, i) => (i % 100 < 50 ? 60 : 400));
  const cases: { name: string; config: Partial<SimConfig>; expect: (r: SimResult) => void }[] = [
    {
      name: "small queue rejects (429)",
      config: { dispatcher: { queueCapacity: 5 } },
      expect: (r) => assert.ok(r.totals.rejected > 0),
    },
    {
      name: "short deadline fails (504) in the queue and at replicas",
      config: { dispatcher: { timeoutSeconds: 0.3, queueCapacity: 100_000 } },
      expect: (r) => assert.ok(r.totals.failed > 0),
    },
    {
      name: "hpa scales up and drains on the way down",
      config: { controller: { kind: "policy", policy: "hpa" } },
      expect: (r) => assert.ok(r.scalingActions > 0),
    },
    {
      name: "queue policy with scale-down stabilisation off",
      config: {
        controller: {
          kind: "policy",
          policy: "queue",
          spec: {
            targetPerReplica: 3,
            behavior: {
              scaleUp: {
                stabilizationWindowSeconds: 0,
                selectPolicy: "Max",
                policies: [{ type: "Percent", value: 100, periodSeconds: 15 }],
              },
              scaleDown: {
                stabilizationWindowSeconds: 0,
                selectPolicy: "Max",
                policies: [{ type: "Percent", value: 100, periodSeconds: 15 }],
              },
            },
          },
        },
      },
      expect: (r) => assert.ok(r.scalingActions > 2),
    },
    {
      name: "kpa with panic mode",
      config: { controller: { kind: "policy", policy: "kpa" } },
      expect: (r) => assert.ok(r.totals.served > 0),
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const r = runSimulation({
        counts,
        seed: 5,
        controller: { kind: "fixed" },
        initialReplicas: 3,
        maxReplicas: 40,
        ...c.config,
      });
      const t0 = r.totals;
      assert.equal(t0.arrivals, counts.reduce((a, b) => a + b, 0));
      assert.equal(t0.arrivals, t0.served + t0.failed + t0.rejected + inFlight(r));
      assert.ok(t0.late <= t0.served);
      const s = r.series!;
      let offered = 0, ended = 0;
      for (let k = 0; k < s.offered.length; k++) {
        offered += s.offered[k];
        ended += s.served[k] + s.failed[k] + s.rejected[k];
      }
      assert.equal(offered, t0.arrivals);
      assert.equal(ended + inFlight(r), t0.arrivals);
      c.expect(r);
    });
  }
});

Deno.test("runSimulation serviceSeed: other service times under the same arrivals", () => {
  const config: SimConfig = {
    counts: new Array(30).fill(20),
    seed: 5,
    calibration: { ...fixedCalibration(0.05, "exponential") },
    controller: { kind: "fixed" },
    initialReplicas: 2,
  };
  const base = runSimulation(config);
  assert.deepEqual(runSimulation({ ...config, serviceSeed: 5 }).measured, base.measured);
  const other = runSimulation({ ...config, serviceSeed: 6 });
  assert.equal(other.totals.arrivals, base.totals.arrivals);
  assert.notEqual(other.measured.latency.mean, base.measured.latency.mean);
  assert.throws(() => runSimulation({ ...config, serviceSeed: -1 }), /serviceSeed/);
});

Deno.test("runSimulation replicas and cost", async (t) => {
  await t.step("fixed replicas cost replicas × seconds", () => {
    const r = runSimulation({
      counts: new Array(100).fill(10),
      seed: 1,
      controller: { kind: "fixed" },
      initialReplicas: 4,
    });
    assert.equal(r.replicaSeconds, 400);
    assert.equal(r.readyReplicaSeconds, 400);
    assert.equal(r.scalingActions, 0);
    assert.deepEqual([...r.series!.total.slice(0, 3)], [4, 4, 4]);
  });
  await t.step("a schedule starts pods a startup ahead and removes them at once", () => {
    const pods = [1, 1, 3, 3, 3, 3, 1, 1];
    const r = runSimulation({
      counts: new Array(8).fill(0),
      seed: 1,
      calibration: fixedCalibration(0.1),
      controller: { kind: "schedule", pods, startupSeconds: 1.5 },
      initialReplicas: 1,
    });
    assert.deepEqual([...r.series!.total], [1, 1, 3, 3, 3, 3, 1, 1]);
    // Created at 2, ready at 3.5: ready at the end of seconds 3, 4, 5.
    assert.deepEqual([...r.series!.ready], [1, 1, 1, 3, 3, 3, 1, 1]);
    assert.equal(r.replicaSeconds, 16);
    assert.equal(r.readyReplicaSeconds, 13);
    assert.equal(r.scalingActions, 2);
  });
  await t.step("the scale target is clamped by the policy to maxReplicas", () => {
    const r = runSimulation({
      counts: new Array(200).fill(2000),
      seed: 2,
      controller: { kind: "policy", policy: "queue" },
      initialReplicas: 1,
      maxReplicas: 6,
    });
    assert.equal(Math.max(...r.series!.desired), 6);
    assert.ok(Math.max(...r.series!.total) <= 6);
  });
});

Deno.test("runSimulation measured window", async (t) => {
  const counts = Array.from({ length: 200 }, (_, i) => (i < 100 ? 20 : 40));
  const config: SimConfig = { counts, seed: 4, controller: { kind: "fixed" }, initialReplicas: 3 };
  await t.step("by default the window is the whole run", () => {
    const r = runSimulation(config);
    assert.equal(r.measured.fromSecond, 0);
    assert.equal(r.measured.seconds, 200);
    assert.deepEqual(r.measured.totals, r.totals);
    assert.equal(r.measured.replicaSeconds, r.replicaSeconds);
  });
  await t.step("a warm-up is left out of the window, not of the run", () => {
    const r = runSimulation({ ...config, measureFromSecond: 100 });
    assert.equal(r.measured.seconds, 100);
    assert.equal(r.measured.totals.arrivals, 4000);
    assert.equal(r.totals.arrivals, 6000);
    assert.equal(r.measured.replicaSeconds, 300);
    assert.equal(r.replicaSeconds, 600);
    assert.ok(r.measured.totals.served >= 3990 && r.measured.totals.served <= 4010);
  });
  await t.step("the window must start inside the run", () => {
    assert.throws(
      () => runSimulation({ ...config, measureFromSecond: 200 }),
      /measureFromSecond must be a whole number below the run's 200 seconds: got 200/,
    );
  });
});

Deno.test("runSimulation rejects bad configs", async (t) => {
  const ok: SimConfig = { counts: [1], seed: 1, controller: { kind: "fixed" }, initialReplicas: 1 };
  const cases: [string, Partial<SimConfig>, RegExp][] = [
    ["empty workload", { counts: [] }, /counts must have at least one second/],
    ["fractional count", { counts: [1.5] }, /counts\[0\] must be a whole number ≥ 0: got 1.5/],
    ["bad seed", { seed: -1 }, /seed must be an integer in \[0, 2\^32\): got -1/],
    [
      "bad cap",
      { dispatcher: { perReplicaInflight: 0 } },
      /perReplicaInflight must be an integer ≥ 1: got 0/,
    ],
    [
      "bad window",
      { metrics: { cpuWindowSeconds: 20 } },
      /multiple of scrapeIntervalSeconds \(15\): got 20/,
    ],
    [
      "bad policy spec",
      { controller: { kind: "policy", policy: "hpa", spec: { tolerance: -1 } } },
      /tolerance/,
    ],
    [
      "short schedule",
      { controller: { kind: "schedule", pods: [], startupSeconds: 1 } },
      /schedule has 0 seconds; the workload has 1/,
    ],
  ];
  for (const [name, over, message] of cases) {
    await t.step(name, () => assert.throws(() => runSimulation({ ...ok, ...over }), message));
  }
});
