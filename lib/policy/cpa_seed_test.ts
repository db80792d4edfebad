import assert from "node:assert/strict";
import { CPA_SEED_DEFAULTS, type CpaSeedSpec, decide } from "./cpa_seed.ts";

Deno.test("decide", async (t) => {
  const cases: {
    name: string;
    spec?: Partial<CpaSeedSpec>;
    p95?: number;
    current: number;
    want: number;
    reason: string;
  }[] = [
    { name: "ceil(1.2 / 0.5) = 3", p95: 1.2, current: 1, want: 3, reason: "AboveTarget" },
    { name: "p95 under the target: 1", p95: 0.2, current: 4, want: 1, reason: "BelowTarget" },
    { name: "p95 of 0 still gives 1", p95: 0, current: 1, want: 1, reason: "AtTarget" },
    { name: "exactly the target: 1", p95: 0.5, current: 1, want: 1, reason: "AtTarget" },
    { name: "maxReplicas clamps", p95: 10, current: 4, want: 10, reason: "TooManyReplicas" },
    {
      name: "minReplicas clamps",
      spec: { minReplicas: 2 },
      p95: 0.1,
      current: 4,
      want: 2,
      reason: "TooFewReplicas",
    },
    {
      name: "targetLatencySeconds from the spec",
      spec: { targetLatencySeconds: 0.2 },
      p95: 0.5,
      current: 1,
      want: 3,
      reason: "AboveTarget",
    },
    { name: "no p95: keep the count", current: 3, want: 3, reason: "MetricsUnavailable" },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const d = decide({ ...CPA_SEED_DEFAULTS, ...c.spec }, undefined, {
        now: 0,
        currentReplicas: c.current,
        p95LatencySeconds: c.p95,
      });
      assert.deepEqual([d.desired, d.reason], [c.want, c.reason]);
      assert.deepEqual(d.state, {});
    });
  }
  await t.step("the documented flaw: the same p95 gives the same answer at 1 or 8 replicas", () => {
    const at = (current: number) =>
      decide(CPA_SEED_DEFAULTS, undefined, {
        now: 0,
        currentReplicas: current,
        p95LatencySeconds: 0.45,
      })
        .desired;
    assert.equal(at(1), 1);
    assert.equal(at(8), 1);
  });
});
