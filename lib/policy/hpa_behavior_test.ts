import assert from "node:assert/strict";
import { decide, type HpaSpec, type HpaState } from "./hpa.ts";
import { NOW, obs, pod, pods, spec, withBehavior } from "./hpa_test_support.ts";

// Kubernetes references: horizontal.go (reconcileAutoscaler,
// normalizeDesiredReplicasWithBehaviors).

/** Steps the HPA: each tick observes `percent`% CPU on every pod, then applies the decision. */
function run(
  s: HpaSpec,
  start: number,
  ticks: { at: number; percent: number }[],
): { at: number; desired: number; reason: string; proposal?: number }[] {
  let current = start;
  let state: HpaState | undefined;
  const out = [];
  for (const tick of ticks) {
    const d = decide(s, state, obs(pods(current, tick.percent), current, tick.at));
    out.push({ at: tick.at, desired: d.desired, reason: d.reason, proposal: d.detail?.proposal });
    state = JSON.parse(JSON.stringify(d.state));
    current = d.desired;
  }
  return out;
}

function every(step: number, from: number, to: number, percent: number) {
  const ticks = [];
  for (let at = from; at <= to; at += step) ticks.push({ at, percent });
  return ticks;
}

Deno.test("decide: guards and missing metrics", async (t) => {
  await t.step("current 0 with minReplicas > 0: scaling disabled", () => {
    const d = decide(spec(), undefined, obs([], 0));
    assert.deepEqual([d.desired, d.reason], [0, "ScalingDisabled"]);
  });
  await t.step("current above maxReplicas goes straight to max", () => {
    const d = decide(spec({ maxReplicas: 4 }), undefined, obs(pods(6, 90)));
    assert.deepEqual([d.desired, d.reason], [4, "AboveMaxReplicas"]);
    assert.deepEqual(d.state.scaleEvents, [{ at: NOW, change: -2 }]);
  });
  await t.step("current below minReplicas goes straight to min", () => {
    const d = decide(spec({ minReplicas: 3 }), undefined, obs(pods(1, 10)));
    assert.deepEqual([d.desired, d.reason], [3, "BelowMinReplicas"]);
  });
  await t.step("no usable metric keeps the count and records nothing new", () => {
    const state = { recommendations: [{ at: 990, replicas: 2 }], scaleEvents: [] };
    const d = decide(spec(), state, obs([pod(undefined)], 2));
    assert.deepEqual([d.desired, d.reason], [2, "MetricsUnavailable"]);
    assert.deepEqual(d.state, state);
  });
});

Deno.test("decide: default behavior", async (t) => {
  await t.step("default scale-up: max(4 pods, 100%) per 15 s from past scale events", () => {
    // 500% CPU at a 50% target: ratio 10, each tick wants 10× the pods.
    const got = run(spec({ maxReplicas: 100 }), 1, [
      { at: 0, percent: 500 },
      { at: 5, percent: 500 },
      { at: 15, percent: 500 },
      { at: 30, percent: 500 },
    ]);
    assert.deepEqual(got.map((g) => [g.at, g.desired, g.reason]), [
      [0, 5, "ScaleUpLimit"], // 1 + 4 pods beats 1 × 2
      [5, 5, "ScaleUpLimit"], // the +4 at t=0 is within the period: start count 1
      [15, 10, "ScaleUpLimit"], // t=0 event is a full period old: 5 × 2 beats 5 + 4
      [30, 20, "ScaleUpLimit"],
    ]);
  });

  await t.step("default scale-down: 300 s window, then 100% at once", () => {
    const got = run(spec(), 8, every(15, 0, 300, 10));
    assert.ok(got.slice(0, -1).every((g) => g.desired === 8 && g.reason === "ScaleDownStabilized"));
    // the fresh autoscaler's recommendation of 8 at t=0 leaves the window at t=300
    assert.deepEqual(got.at(-1), { at: 300, desired: 2, reason: "BelowTarget", proposal: 2 });
  });

  await t.step("stabilisation: the highest recommendation of the last 300 s", () => {
    // current 10: 30% → 6, 20% → 4, 40% → 8, 15% → 3
    const got = run(spec(), 10, [
      { at: 0, percent: 30 },
      { at: 60, percent: 20 },
      { at: 120, percent: 40 },
      { at: 180, percent: 15 },
      { at: 240, percent: 15 },
      { at: 300, percent: 15 },
    ]);
    assert.deepEqual(got.map((g) => g.proposal), [6, 4, 8, 3, 3, 3]);
    assert.deepEqual(got.map((g) => g.desired), [10, 10, 10, 10, 10, 8]);
    // current 8, 18% → ceil(0.36 × 8) = 3; t=120's 8 counts until t=420
    const later = decide(spec(), {
      recommendations: [{ at: 120, replicas: 8 }, { at: 300, replicas: 3 }],
      scaleEvents: [],
    }, obs(pods(8, 18), 8, 419));
    assert.deepEqual([later.desired, later.reason], [8, "ScaleDownStabilized"]);
    const after = decide(spec(), later.state, obs(pods(8, 18), 8, 420));
    assert.deepEqual([after.desired, after.reason], [3, "BelowTarget"]);
  });
});

Deno.test("decide: behavior policies", async (t) => {
  await t.step("Percent policy limits scale-down per period", () => {
    const s = withBehavior({
      scaleDown: {
        stabilizationWindowSeconds: 0,
        policies: [{ type: "Percent", value: 50, periodSeconds: 60 }],
      },
    });
    const got = run(s, 8, [
      { at: 0, percent: 1 },
      { at: 30, percent: 1 },
      { at: 60, percent: 1 },
      { at: 120, percent: 1 },
    ]);
    assert.deepEqual(got.map((g) => [g.desired, g.reason]), [
      [4, "ScaleDownLimit"],
      [4, "ScaleDownLimit"],
      [2, "ScaleDownLimit"],
      [1, "BelowTarget"],
    ]);
  });

  await t.step("Pods policy limits scale-up per period", () => {
    const s = withBehavior({
      scaleUp: { policies: [{ type: "Pods", value: 2, periodSeconds: 60 }] },
    });
    const got = run(s, 2, [{ at: 0, percent: 250 }, { at: 30, percent: 250 }, {
      at: 60,
      percent: 250,
    }]);
    assert.deepEqual(got.map((g) => g.desired), [4, 4, 6]);
  });

  await t.step("selectPolicy Min takes the smaller of Pods and Percent", () => {
    const s = withBehavior({ scaleUp: { selectPolicy: "Min" } });
    assert.deepEqual(run(s, 2, [{ at: 0, percent: 250 }])[0].desired, 4);
    const max = withBehavior({});
    assert.deepEqual(run(max, 2, [{ at: 0, percent: 250 }])[0].desired, 6);
  });

  await t.step("selectPolicy Disabled forbids scale-down", () => {
    const s = withBehavior({
      scaleDown: { selectPolicy: "Disabled", stabilizationWindowSeconds: 0 },
    });
    const got = run(s, 5, [{ at: 0, percent: 5 }, { at: 600, percent: 5 }]);
    assert.deepEqual(got.map((g) => [g.desired, g.reason]), [[5, "ScaleDownLimit"], [
      5,
      "ScaleDownLimit",
    ]]);
  });
});

Deno.test("decide: clamp last", async (t) => {
  await t.step("clamp last: maxReplicas under the rate limit", () => {
    const got = run(spec({ maxReplicas: 3 }), 2, [{ at: 0, percent: 500 }]);
    assert.deepEqual([got[0].desired, got[0].reason], [3, "TooManyReplicas"]);
  });

  await t.step("clamp last: minReplicas over the proposal", () => {
    const s = { ...withBehavior({ scaleDown: { stabilizationWindowSeconds: 0 } }), minReplicas: 2 };
    const got = run(s, 4, [{ at: 0, percent: 1 }]);
    assert.deepEqual([got[0].desired, got[0].reason], [2, "TooFewReplicas"]);
  });
});
