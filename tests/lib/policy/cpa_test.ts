import assert from "node:assert/strict";
import { CPA_DEFAULTS, type CpaSpec, type CpaState, decide } from "../../../lib/policy/cpa.ts";
import { CPA_SEED_DEFAULTS, decide as decideSeed } from "../../../lib/policy/cpa_seed.ts";
import { cpaSpec, cpaState } from "../../../lib/policy/schema.ts";
import type { Observation } from "../../../lib/policy/types.ts";

// Defaults: SLO 0.5 s with 20% headroom (plan for p95 ≤ 0.4 s and utilisation ≤ 0.8), 20 req/s
// per replica, service time 0.05 s. At 100 req/s the latency target alone needs 6 replicas
// (p95 ≈ 0.173 s); the utilisation bound needs ⌈100 / 16⌉ = 7 (p95 ≈ 0.097 s).

function spec(over: Partial<CpaSpec> = {}): CpaSpec {
  return { ...CPA_DEFAULTS, maxReplicas: 20, ...over };
}

function obs(over: Partial<Observation> = {}): Observation {
  return { now: 1000, currentReplicas: 7, arrivalRatePerSecond: 100, ...over };
}

/** The state after one decision at 7 replicas and 100 req/s, 100 s before `obs()`: settled. */
function settled(over: Partial<Observation> = {}): CpaState {
  return decide(spec(), undefined, obs({ now: 900, ...over })).state;
}

Deno.test("decide", async (t) => {
  const cases: {
    name: string;
    spec?: Partial<CpaSpec>;
    obs: Partial<Observation>;
    want: number;
    reason: string;
  }[] = [
    { name: "steady load at the model's answer", obs: {}, want: 7, reason: "AtTarget" },
    {
      name: "scales up towards the fewest replicas meeting both bounds (+4 pods or 200%)",
      obs: { currentReplicas: 2 },
      want: 6,
      reason: "ScaleUpLimit",
    },
    {
      name: "the backlog adds queueLength / drainSeconds to the rate (120 req/s → 8)",
      obs: { queueLength: 200 },
      want: 8,
      reason: "AboveTarget",
    },
    {
      name: "headroom is a capacity margin: 0.5 keeps utilisation ≤ 0.5 (10 replicas)",
      spec: { headroom: 0.5 },
      obs: {},
      want: 10,
      reason: "AboveTarget",
    },
    {
      name: "headroom 0: the latency target alone (6), held by the scale-down window",
      spec: { headroom: 0 },
      obs: {},
      want: 7,
      reason: "ScaleDownStabilized",
    },
    {
      name: "no state: no correction from an observed p95 (the ready count is not settled)",
      obs: { p95LatencySeconds: 0.9 },
      want: 7,
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
      want: 7,
      reason: "AtTarget",
    },
    {
      name: "no rate at all: keep the count",
      obs: { arrivalRatePerSecond: undefined, currentReplicas: 3 },
      want: 3,
      reason: "MetricsUnavailable",
    },
    {
      name: "rate-limited by the behavior: 1 → 5 (+4 pods beats +200%)",
      obs: { currentReplicas: 1 },
      want: 5,
      reason: "ScaleUpLimit",
    },
    {
      name: "cpa's default scale-up allows +200% per period: 5 → 15 (300 req/s needs 19)",
      obs: { currentReplicas: 5, arrivalRatePerSecond: 300 },
      want: 15,
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
    assert.ok(Math.abs(d.detail!.predictedP95 - 0.0967) < 1e-3, `${d.detail!.predictedP95}`);
  });

  await t.step("the spec schema fills the new fields' defaults and rejects bad ones", () => {
    const parsed = cpaSpec.parse({});
    assert.deepEqual(
      [parsed.settleSeconds, parsed.forecastSeconds, parsed.rateWindowSeconds],
      [60, 30, 60],
    );
    assert.equal(parsed.maxForecastFactor, 2);
    assert.deepEqual(parsed.behavior.scaleUp.policies.map((p) => [p.type, p.value]), [
      ["Pods", 4],
      ["Percent", 200],
    ]);
    assert.throws(() => cpaSpec.parse({ maxForecastFactor: 0.5 }));
    assert.throws(() => cpaSpec.parse({ forecastSecond: 30 }));
  });

  await t.step("a state saved without the forecast fields is read as fresh", () => {
    const old = {
      recommendations: [],
      scaleEvents: [],
      serviceRate: 20,
      slowdown: 1,
      updatedAt: 0,
    };
    const s = cpaState.parse(old);
    assert.deepEqual([s.arrivalRate, s.riseFrom, s.ready, s.readySince], [null, null, null, null]);
  });
});

Deno.test("decide over time", async (t) => {
  await t.step("observed p95 over the SLO at a settled count the model deems enough", () => {
    const d = decide(spec(), settled(), obs({ p95LatencySeconds: 0.9 }));
    assert.ok(Math.abs(d.state.slowdown - 1.353) < 0.01, `${d.state.slowdown}`);
    assert.deepEqual([d.desired, d.reason], [9, "AboveTarget"]);
  });

  await t.step("no correction while the ready count has not settled (60 s)", () => {
    const d = decide(spec(), settled(), obs({ now: 940, p95LatencySeconds: 0.9 }));
    assert.deepEqual([d.state.slowdown, d.desired], [1, 7]);
  });

  await t.step("no correction when the model already explains it (too few replicas)", () => {
    const s = settled({ currentReplicas: 5 });
    const d = decide(spec(), s, obs({ currentReplicas: 5, p95LatencySeconds: 0.9 }));
    assert.deepEqual([d.state.slowdown, d.desired, d.reason], [1, 7, "AboveTarget"]);
  });

  await t.step("the correction is kept and relaxes with its half-life (300 s)", () => {
    const first = decide(spec(), settled(), obs({ p95LatencySeconds: 0.9 }));
    const state: CpaState = JSON.parse(JSON.stringify(first.state));
    const later = decide(spec(), state, obs({ now: 1300, currentReplicas: 9 }));
    assert.ok(Math.abs(later.state.slowdown - (1 + (first.state.slowdown - 1) / 2)) < 1e-9);
    assert.equal(later.detail!.proposal, 8);
    // the 9 recommended at t=1000 left the 120 s scale-down window long ago
    assert.deepEqual([later.desired, later.reason], [8, "BelowTarget"]);
  });

  await t.step("learns the service rate from throughput while saturated and settled", () => {
    const o = obs({ currentReplicas: 4, queueLength: 5, throughputPerSecond: 60 });
    const s = settled({ currentReplicas: 4 });
    assert.equal(decide(spec(), s, o).state.serviceRate, 19); // 20 + 0.2 × (15 − 20)
    const idle = { ...o, queueLength: 0 };
    assert.equal(decide(spec(), s, idle).state.serviceRate, 20);
    const off = spec({ learnServiceRate: false });
    assert.equal(decide(off, s, o).state.serviceRate, 20);
    // right after a scale-up the windowed throughput still reflects the old count
    assert.equal(decide(spec(), undefined, o).state.serviceRate, 20);
    const changed = settled({ currentReplicas: 3 });
    const d = decide(spec(), changed, o);
    assert.deepEqual([d.state.serviceRate, d.state.readySince], [20, 1000]);
  });

  // A 3× step (100 → 300 req/s) seen through a 60 s rate window, one decision per 15 s.
  await t.step("forecast: a rise within a window is read as the step that causes it", () => {
    const rows: [number, number, number, number, string][] = [
      // now, windowed rate, forecast, desired, reason
      [0, 100, 100, 7, "AtTarget"],
      [15, 100, 100, 7, "AtTarget"],
      [30, 150, 300, 19, "AboveTarget"], // 100 + 50 × 60 / 15; 300 / 16 → 19
      [45, 200, 300, 19, "AtTarget"], // 100 + 100 × 60 / 30
      [60, 250, 350, 22, "AboveTarget"], // the slope × 30 s exceeds the step reading
      [75, 300, 400, 25, "AboveTarget"], // the window has passed: slope × 30 s ahead
      [90, 300, 300, 25, "ScaleDownStabilized"], // flat: no forecast
      [105, 290, 290, 25, "ScaleDownStabilized"], // falling: no forecast
    ];
    let state: CpaState | undefined;
    let current = 7;
    const seen = rows.map(([now, rate]) => {
      const d = decide(
        spec({ maxReplicas: 40 }),
        state,
        obs({ now, currentReplicas: current, arrivalRatePerSecond: rate }),
      );
      state = d.state;
      current = d.desired;
      return [now, rate, d.detail!.forecast, d.desired, d.reason];
    });
    assert.deepEqual(seen, rows);
  });

  await t.step(
    "forecast: at most maxForecastFactor × the rate; 0 s and factor 1 turn it off",
    () => {
      const s = decide(spec(), undefined, obs({ now: 0 })).state;
      const jump = obs({ now: 15, arrivalRatePerSecond: 150 });
      assert.equal(decide(spec({ maxForecastFactor: 1.5 }), s, jump).detail!.forecast, 225);
      assert.equal(decide(spec({ maxForecastFactor: 1 }), s, jump).detail!.forecast, 150);
      const late = decide(spec(), s, obs({ now: 100, arrivalRatePerSecond: 150 }));
      assert.equal(late.detail!.forecast, 150 + (50 / 100) * 30); // past the window: slope ahead
      const none = decide(
        spec({ forecastSeconds: 0 }),
        s,
        obs({ now: 100, arrivalRatePerSecond: 150 }),
      );
      assert.equal(none.detail!.forecast, 150);
    },
  );

  await t.step("scale-down waits for the 120 s stabilisation window", () => {
    let state: CpaState | undefined;
    let current = 7;
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
    assert.deepEqual(seen.slice(0, 8).map((s) => s[1]), [7, 7, 7, 7, 7, 7, 7, 7]);
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
    assert.deepEqual([next.desired, next.reason], [9, "AboveTarget"]); // ⌈140 / 16⌉
  });
});

Deno.test("cpa versus the seed rule", async (t) => {
  await t.step(
    "8 replicas at 120 req/s, p95 just under the SLO: cpa keeps 8, the seed drops to 1",
    () => {
      const o = obs({ currentReplicas: 8, arrivalRatePerSecond: 120, p95LatencySeconds: 0.45 });
      assert.equal(decide(spec(), undefined, o).desired, 8);
      assert.equal(decideSeed(CPA_SEED_DEFAULTS, undefined, o).desired, 1);
    },
  );
});
