import assert from "node:assert/strict";
import { CPA_DEFAULTS, type CpaSpec, type CpaState, decide } from "./cpa.ts";
import { CPA_SEED_DEFAULTS, decide as decideSeed } from "./cpa_seed.ts";
import { cpaSpec, cpaState } from "./schema.ts";
import type { Observation } from "./types.ts";

// Defaults: SLO 0.5 s (plan for p95 ≤ 0.4 s and utilisation ≤ 0.8), 20 req/s
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

const DECIDE_CASES: {
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

Deno.test("decide", async (t) => {
  for (const c of DECIDE_CASES) {
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
      [parsed.headroom, parsed.settleSeconds, parsed.forecastSeconds, parsed.rateWindowSeconds],
      [0.2, 60, 0, 60],
    );
    assert.equal(parsed.maxForecastFactor, 2);
    assert.deepEqual(
      [parsed.recentBlend, parsed.burstWindowSeconds, parsed.burstDeviationsPerHeadroom],
      [0.25, 300, 10],
    );
    assert.throws(() => cpaSpec.parse({ recentBlend: 1.5 }));
    assert.throws(() => cpaSpec.parse({ burstDeviationsPerHeadroom: -1 }));
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
    assert.deepEqual([s.arrivalRate, s.intervals, s.ready, s.readySince], [null, [], null, null]);
    // an earlier version's rise is accepted and dropped
    const earlier = cpaState.parse({ ...old, riseFrom: { at: 0, rate: 5 } });
    assert.equal((earlier as unknown as Record<string, unknown>).riseFrom, undefined);
    const d = decide(spec(), earlier, obs());
    assert.deepEqual(cpaState.parse(JSON.parse(JSON.stringify(d.state))).intervals, [
      { at: 1000, span: 60, rate: 100 },
    ]);
  });
});

Deno.test("decide over time: latency correction and service rate", async (t) => {
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
});

Deno.test("decide over time: forecast and spare capacity", async (t) => {
  // A 3× step (100 → 300 req/s) right after the decision at 15 s, seen through a 60 s rate
  // window, one decision per 15 s.
  await t.step("forecast: the interval rate is read out of the windowed rate", () => {
    const rows: [number, number, number, number, number, string][] = [
      // now, windowed rate, recent rate, burst margin, desired, reason
      [0, 100, 100, 0, 7, "AtTarget"],
      [15, 100, 100, 0, 7, "AtTarget"],
      // (60 × 150 − 45 × 100) / 15 = 300, blended 3:1 with 150 → 262.5 req/s; capacity: the
      // larger of the headroom's 262.5 / 0.8 = 328 and the burst margin's 262.5 + 2 × √(162.5² /
      // 20) = 335 req/s → ⌈335 / 20⌉ = 17 (the windowed rate alone would give 10)
      [30, 150, 262.5, 72.67, 17, "AboveTarget"],
      [45, 200, 303.13, 74.91, 19, "AboveTarget"],
      [60, 250, 313.28, 75.05, 20, "AboveTarget"],
      [75, 300, 315.82, 75.05, 20, "AtTarget"],
      [90, 300, 275.83, 77.16, 20, "ScaleDownStabilized"],
      [105, 300, 296.3, 77.7, 20, "ScaleDownStabilized"],
    ];
    let state: CpaState | undefined;
    let current = 7;
    const r2 = (x: number) => Math.round(x * 100) / 100;
    const seen = rows.map(([now, rate]) => {
      const d = decide(
        spec({ maxReplicas: 40 }),
        state,
        obs({ now, currentReplicas: current, arrivalRatePerSecond: rate }),
      );
      state = d.state;
      current = d.desired;
      return [now, rate, r2(d.detail!.recentRate), r2(d.detail!.burstMargin), d.desired, d.reason];
    });
    assert.deepEqual(seen, rows);
  });

  await t.step("spare capacity: the larger of the headroom's and the burst margin's", () => {
    const s = decide(spec(), undefined, obs({ now: 0 })).state;
    const at = (over: Partial<CpaSpec>) =>
      decide(
        spec({ recentBlend: 0, maxReplicas: 40, ...over }),
        decide(spec({ recentBlend: 0, maxReplicas: 40, ...over }), s, obs({ now: 15 })).state,
        obs({ now: 30, arrivalRatePerSecond: 150 }),
      );
    // recent rate (60 × 150 − 45 × 100) / 15 = 300 req/s, one change of 200 in the look-back
    const rows: [Partial<CpaSpec>, number][] = [
      [{ burstDeviationsPerHeadroom: 0 }, 19], // 300 / 0.8 = 375 → ⌈375 / 20⌉
      // 0.2 × 10 = 2 deviations: 300 + 2 × 200 / √20 = 389 > 375 → ⌈19.5⌉
      [{ burstDeviationsPerHeadroom: 10 }, 20],
      // 6 deviations: 300 + 6 × 44.7 = 568 → ⌈28.4⌉; compounded /0.8 it would be 36
      [{ burstDeviationsPerHeadroom: 30 }, 29],
      // the margin scales with headroom: 0.6 × 10 = 6 deviations (568), but 300 / 0.4 = 750
      [{ headroom: 0.6 }, 38],
      // 0.75 × 30 = 22.5 deviations: 300 + 22.5 × 44.7 = 1306 > 300 / 0.25 → ⌈65.3⌉
      [{ burstDeviationsPerHeadroom: 30, headroom: 0.75, maxReplicas: 80 }, 66],
    ];
    for (const [over, want] of rows) {
      assert.equal(at(over).detail!.proposal, want, JSON.stringify(over));
    }
  });
});

Deno.test("decide over time: forecast cap and rate limits", async (t) => {
  await t.step(
    "forecast: at most maxForecastFactor × the recent rate; 0 s and factor 1 turn it off",
    () => {
      const s = decide(spec(), undefined, obs({ now: 0 })).state;
      const jump = obs({ now: 15, arrivalRatePerSecond: 150 });
      const plan = (over: Partial<CpaSpec>) =>
        decide(
          spec({ burstDeviationsPerHeadroom: 0, recentBlend: 0, forecastSeconds: 30, ...over }),
          s,
          jump,
        )
          .detail!;
      assert.equal(plan({}).recentRate, 300); // (60 × 150 − 45 × 100) / 15
      assert.equal(plan({}).forecast, 300 + (50 / 15) * 30);
      assert.equal(plan({ maxForecastFactor: 1.2 }).forecast, 360);
      assert.equal(plan({ maxForecastFactor: 1 }).forecast, 300);
      assert.equal(plan({ forecastSeconds: 0 }).forecast, 300);
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
    // no traffic, but the fall from 100 req/s is a change within the burst look-back: a spare
    // capacity of 2 × 100 / √20 = 44.7 req/s keeps ⌈44.7 / 20⌉ = 3 replicas; with the margin
    // off, 0 clamped to the minimum
    assert.deepEqual(seen[8], [120, 3, "BelowTarget"]);
    let off: CpaState | undefined;
    current = 7;
    for (let now = 0; now <= 120; now += 15) {
      const rate = now === 0 ? 100 : 0;
      const o = obs({ now, currentReplicas: current, arrivalRatePerSecond: rate });
      const d = decide(spec({ burstDeviationsPerHeadroom: 0 }), off, o);
      [off, current] = [d.state, d.desired];
      if (now === 120) assert.deepEqual([d.desired, d.reason], [1, "TooFewReplicas"]);
    }
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
