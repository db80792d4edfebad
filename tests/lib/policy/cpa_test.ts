import assert from "node:assert/strict";
import { CPA_DEFAULTS, type CpaSpec, type CpaState, decide } from "../../../lib/policy/cpa.ts";
import { CPA_SEED_DEFAULTS, decide as decideSeed } from "../../../lib/policy/cpa_seed.ts";
import type { Observation } from "../../../lib/policy/types.ts";

// Defaults: SLO 0.5 s with 20% headroom (plan for 0.4 s), 20 req/s per replica, service time
// 0.05 s. At 100 req/s the M/M/c model needs 6 replicas (p95 ≈ 0.173 s; 5 are unstable).

function spec(over: Partial<CpaSpec> = {}): CpaSpec {
  return { ...CPA_DEFAULTS, maxReplicas: 20, ...over };
}

function obs(over: Partial<Observation> = {}): Observation {
  return { now: 1000, currentReplicas: 6, arrivalRatePerSecond: 100, ...over };
}

Deno.test("decide", async (t) => {
  const cases: {
    name: string;
    spec?: Partial<CpaSpec>;
    obs: Partial<Observation>;
    want: number;
    reason: string;
  }[] = [
    { name: "steady load at the model's answer", obs: {}, want: 6, reason: "AtTarget" },
    {
      name: "scales up to the fewest replicas with p95 ≤ SLO × (1 − headroom)",
      obs: { currentReplicas: 2 },
      want: 6,
      reason: "AboveTarget",
    },
    {
      name: "the backlog adds queueLength / drainSeconds to the rate (120 req/s → 7)",
      obs: { queueLength: 200 },
      want: 7,
      reason: "AboveTarget",
    },
    {
      name: "headroom 0.8 plans for 0.1 s: 7 replicas (p95 ≈ 0.097 s)",
      spec: { headroom: 0.8 },
      obs: {},
      want: 7,
      reason: "AboveTarget",
    },
    {
      name: "observed p95 over the SLO: slowdown calibrated at the current count (≈1.16 → 7)",
      obs: { p95LatencySeconds: 0.9 },
      want: 7,
      reason: "AboveTarget",
    },
    {
      name: "observed p95 above the model but under the SLO: no correction",
      obs: { p95LatencySeconds: 0.45 },
      want: 6,
      reason: "AtTarget",
    },
    {
      name: "service time over the target: replicas cannot help past P(wait) ≤ 5%",
      spec: { serviceTimeSeconds: 0.6 },
      obs: { currentReplicas: 10 },
      want: 10,
      reason: "SLOUnreachable",
    },
    {
      name: "no arrival rate: the throughput stands in",
      obs: { arrivalRatePerSecond: undefined, throughputPerSecond: 100 },
      want: 6,
      reason: "AtTarget",
    },
    {
      name: "no rate at all: keep the count",
      obs: { arrivalRatePerSecond: undefined, currentReplicas: 3 },
      want: 3,
      reason: "MetricsUnavailable",
    },
    {
      name: "rate-limited by the shared behavior: 1 → 5 (+4 pods)",
      obs: { currentReplicas: 1 },
      want: 5,
      reason: "ScaleUpLimit",
    },
    {
      name: "maxReplicas clamps last",
      spec: { maxReplicas: 4 },
      obs: { currentReplicas: 2 },
      want: 4,
      reason: "TooManyReplicas",
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const d = decide(spec(c.spec), undefined, obs(c.obs));
      assert.deepEqual([d.desired, d.reason], [c.want, c.reason]);
    });
  }

  await t.step("reports the predicted p95 at the decided count", () => {
    const d = decide(spec(), undefined, obs());
    assert.ok(Math.abs(d.detail!.predictedP95 - 0.1732) < 1e-3, `${d.detail!.predictedP95}`);
  });
});

Deno.test("decide over time", async (t) => {
  await t.step("the correction is kept and relaxes with its half-life (300 s)", () => {
    const first = decide(spec(), undefined, obs({ p95LatencySeconds: 0.9 }));
    assert.ok(Math.abs(first.state.slowdown - 1.16) < 0.01, `${first.state.slowdown}`);
    const state: CpaState = JSON.parse(JSON.stringify(first.state));
    const later = decide(spec(), state, obs({ now: 1300, currentReplicas: 7 }));
    assert.ok(Math.abs(later.state.slowdown - (1 + (first.state.slowdown - 1) / 2)) < 1e-9);
    assert.equal(later.detail!.proposal, 6);
    // the 7 recommended at t=1000 left the 120 s scale-down window long ago
    assert.deepEqual([later.desired, later.reason], [6, "BelowTarget"]);
  });

  await t.step("learns the service rate from throughput while saturated", () => {
    const o = obs({ currentReplicas: 4, queueLength: 5, throughputPerSecond: 60 });
    assert.equal(decide(spec(), undefined, o).state.serviceRate, 19); // 20 + 0.2 × (15 − 20)
    const idle = { ...o, queueLength: 0 };
    assert.equal(decide(spec(), undefined, idle).state.serviceRate, 20);
    const off = spec({ learnServiceRate: false });
    assert.equal(decide(off, undefined, o).state.serviceRate, 20);
  });

  await t.step("scale-down waits for the 120 s stabilisation window", () => {
    let state: CpaState | undefined;
    let current = 6;
    const seen: [number, number, string][] = [];
    for (let now = 0; now <= 135; now += 15) {
      const rate = now === 0 ? 100 : 0;
      const d = decide(
        spec(),
        state,
        obs({ now, currentReplicas: current, arrivalRatePerSecond: rate }),
      );
      seen.push([now, d.desired, d.reason]);
      state = d.state;
      current = d.desired;
    }
    assert.deepEqual(seen.slice(0, 8).map((s) => s[1]), [6, 6, 6, 6, 6, 6, 6, 6]);
    assert.equal(seen[1][2], "ScaleDownStabilized");
    assert.deepEqual(seen[8], [120, 1, "TooFewReplicas"]); // no traffic: 0, clamped to min
  });

  await t.step("scale-up continues after the rate-limit period", () => {
    const first = decide(spec(), undefined, obs({ currentReplicas: 1, arrivalRatePerSecond: 140 }));
    assert.equal(first.desired, 5);
    const next = decide(
      spec(),
      first.state,
      obs({ now: 1015, currentReplicas: 5, arrivalRatePerSecond: 140 }),
    );
    assert.deepEqual([next.desired, next.reason], [8, "AboveTarget"]);
  });
});

Deno.test("cpa versus the seed rule", async (t) => {
  await t.step(
    "8 replicas at 140 req/s, p95 just under the SLO: cpa keeps 8, the seed drops to 1",
    () => {
      const o = obs({ currentReplicas: 8, arrivalRatePerSecond: 140, p95LatencySeconds: 0.45 });
      assert.equal(decide(spec(), undefined, o).desired, 8);
      assert.equal(decideSeed(CPA_SEED_DEFAULTS, undefined, o).desired, 1);
    },
  );
});
