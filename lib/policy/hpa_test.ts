import assert from "node:assert/strict";
import { type Behavior, defaultBehavior, type ScalingRules } from "./behavior.ts";
import {
  cpuReplicas,
  decide,
  groupPods,
  HPA_DEFAULTS,
  type HpaSpec,
  type HpaState,
} from "./hpa.ts";
import type { Observation, PodObservation } from "./types.ts";

// Kubernetes references: replica_calculator.go (GetResourceReplicas, groupPods) and
// horizontal.go (reconcileAutoscaler, normalizeDesiredReplicasWithBehaviors).

const NOW = 1000;

function spec(over: Partial<HpaSpec> = {}): HpaSpec {
  return { ...HPA_DEFAULTS, behavior: defaultBehavior(), ...over };
}

function withBehavior(
  over: { scaleUp?: Partial<ScalingRules>; scaleDown?: Partial<ScalingRules> },
) {
  const b = defaultBehavior();
  const behavior: Behavior = {
    scaleUp: { ...b.scaleUp, ...over.scaleUp },
    scaleDown: { ...b.scaleDown, ...over.scaleDown },
  };
  return spec({ behavior, maxReplicas: 100 });
}

/** An old, ready pod (started at 0, Ready since 10) using `usage` of a 1000m request. */
function pod(usage: number | undefined, over: PodObservation = {}): PodObservation {
  return {
    phase: "Running",
    ready: true,
    startTime: 0,
    readyTransitionTime: 10,
    cpuRequestMilli: 1000,
    cpuUsageMilli: usage,
    metricTimestamp: NOW - 5,
    metricWindowSeconds: 30,
    ...over,
  };
}

/** `n` old ready pods at `percent`% of their request. */
function pods(n: number, percent: number): PodObservation[] {
  return Array.from({ length: n }, () => pod(percent * 10));
}

function obs(p: PodObservation[], current = p.length, now = NOW): Observation {
  return { now, currentReplicas: current, pods: p };
}

Deno.test("groupPods", async (t) => {
  const s = spec();
  const cases: {
    name: string;
    pod: PodObservation;
    group: "ready" | "unready" | "missing" | "ignored";
  }[] = [
    { name: "old ready pod with a metric counts", pod: pod(500), group: "ready" },
    { name: "deleting pod is ignored", pod: pod(500, { deleting: true }), group: "ignored" },
    { name: "Failed pod is ignored", pod: pod(undefined, { phase: "Failed" }), group: "ignored" },
    { name: "Pending pod is set aside", pod: pod(500, { phase: "Pending" }), group: "unready" },
    { name: "no metric: missing", pod: pod(undefined), group: "missing" },
    {
      name: "within cpuInitializationPeriod, metric window starts before readiness: unready",
      pod: pod(900, { startTime: 900, readyTransitionTime: 950, metricTimestamp: 979 }),
      group: "unready",
    },
    {
      name: "within cpuInitializationPeriod, metric window after readiness: counts",
      pod: pod(900, { startTime: 900, readyTransitionTime: 950, metricTimestamp: 980 }),
      group: "ready",
    },
    {
      name: "within cpuInitializationPeriod and not Ready: unready",
      pod: pod(900, { startTime: 900, ready: false, readyTransitionTime: 900 }),
      group: "unready",
    },
    {
      name: "cpuInitializationPeriod (300 s) over at start + 300: no longer young",
      pod: pod(900, { startTime: NOW - 300, readyTransitionTime: NOW - 10, metricTimestamp: NOW }),
      group: "ready",
    },
    {
      name: "after the period, not Ready and never was (initialReadinessDelay 30 s): unready",
      pod: pod(500, { ready: false, readyTransitionTime: 20 }),
      group: "unready",
    },
    {
      name: "after the period, not Ready but was Ready once: CPU still counts",
      pod: pod(500, { ready: false, readyTransitionTime: 400 }),
      group: "ready",
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const g = groupPods([c.pod], NOW, s);
      assert.deepEqual(g[c.group], [0], JSON.stringify(g));
    });
  }
});

Deno.test("cpuReplicas", async (t) => {
  const cases: {
    name: string;
    pods: PodObservation[];
    current?: number;
    spec?: HpaSpec;
    want: number | null;
    reason: string;
  }[] = [
    {
      name: "tolerance: 52% of a 50% target (ratio 1.04) keeps the count",
      pods: pods(3, 52),
      want: 3,
      reason: "WithinTolerance",
    },
    {
      name: "tolerance bound is inclusive: ratio 1.1 keeps the count",
      pods: pods(3, 55),
      want: 3,
      reason: "WithinTolerance",
    },
    { name: "ceil(1.12 × 3) = 4", pods: pods(3, 56), want: 4, reason: "AboveTarget" },
    { name: "scale down: ceil(0.2 × 4) = 1", pods: pods(4, 10), want: 1, reason: "BelowTarget" },
    {
      // GetResourceUtilizationRatio truncates utilisation to whole percent: 100.9% → 100%
      name: "utilisation truncated to whole percent",
      pods: [pod(1009)],
      want: 2,
      reason: "AboveTarget",
    },
    {
      name: "deleting and Failed pods are left out entirely",
      pods: [pod(1000), pod(1000), pod(0, { deleting: true }), pod(undefined, { phase: "Failed" })],
      current: 4,
      want: 4,
      reason: "AboveTarget",
    },
    {
      name: "missing metrics count as 100% of request on scale-down",
      pods: [pod(100), pod(100), pod(undefined), pod(undefined)],
      want: 4,
      reason: "WithinTolerance",
    },
    {
      name: "missing metrics on scale-down, ratio still low: ceil(0.5 × 4)",
      pods: [pod(0), pod(0), pod(0), pod(undefined)],
      want: 2,
      reason: "BelowTarget",
    },
    {
      name: "missing metrics count as 0% on scale-up: back within tolerance",
      pods: [pod(1000), pod(1000), pod(undefined), pod(undefined)],
      want: 4,
      reason: "WithinTolerance",
    },
    {
      name: "missing metrics count as 0% on scale-up: ceil(1.5 × 4)",
      pods: [pod(1500), pod(1500), pod(undefined), pod(undefined)],
      want: 6,
      reason: "AboveTarget",
    },
    {
      name: "missing metrics on scale-down count max(100%, target) when the target is over 100%",
      pods: [pod(500), pod(undefined)],
      spec: spec({ targetCPUUtilizationPercentage: 150 }),
      want: 2,
      reason: "BelowTarget",
    },
    {
      name: "unready pods count as 0% on scale-up",
      pods: [
        pod(900),
        pod(900),
        pod(900),
        pod(900, { ready: false, readyTransitionTime: 20 }),
        pod(undefined, { phase: "Pending" }),
      ],
      want: 5,
      reason: "WithinTolerance",
    },
    {
      name: "unready pods are dropped on scale-down",
      pods: [
        pod(100),
        pod(100),
        pod(100, { ready: false, readyTransitionTime: 20 }),
        pod(100, { phase: "Pending" }),
      ],
      want: 1,
      reason: "BelowTarget",
    },
    {
      name: "Pending pods are not missing pods: no 100% fill on scale-down",
      pods: [
        pod(100),
        pod(100),
        pod(undefined, { phase: "Pending" }),
        pod(undefined, { phase: "Pending" }),
      ],
      want: 1,
      reason: "BelowTarget",
    },
    {
      name: "rebalancing that would reverse the direction keeps the count",
      pods: [pod(400), pod(undefined)],
      want: 2,
      reason: "DirectionReversed",
    },
    {
      name: "a young pod's warm-up CPU is not trusted: scale-up rebalanced to a reversal",
      pods: [
        pod(600),
        pod(1000, { startTime: 900, readyTransitionTime: 950, metricTimestamp: 979 }),
      ],
      want: 2,
      reason: "DirectionReversed",
    },
    {
      name: "the same pod once its metric window follows readiness counts",
      pods: [
        pod(600),
        pod(1000, { startTime: 900, readyTransitionTime: 950, metricTimestamp: 980 }),
      ],
      want: 4,
      reason: "AboveTarget",
    },
    {
      name: "per-direction tolerance (behavior.scaleUp.tolerance 0.5)",
      pods: pods(3, 65),
      spec: withBehavior({ scaleUp: { tolerance: 0.5 } }),
      want: 3,
      reason: "WithinTolerance",
    },
    {
      name: "no pod with a usable metric",
      pods: [pod(undefined), pod(500, { phase: "Pending" })],
      want: null,
      reason: "MetricsUnavailable",
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const got = cpuReplicas(c.spec ?? spec(), obs(c.pods, c.current ?? c.pods.length));
      assert.equal(got.replicas, c.want);
      assert.equal(got.reason, c.reason);
    });
  }
});

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

Deno.test("decide", async (t) => {
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
