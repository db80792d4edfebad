import assert from "node:assert/strict";
import {
  type Behavior,
  type BehaviorState,
  defaultBehavior,
  initialBehaviorState,
  normalize,
  type NormalizeContext,
  type Recommendation,
  recordScaleEvent,
  type ScalingRules,
  stabilize,
} from "./behavior.ts";

const NOW = 1000;

function behavior(over: { scaleUp?: Partial<ScalingRules>; scaleDown?: Partial<ScalingRules> }) {
  const b = defaultBehavior();
  return {
    scaleUp: { ...b.scaleUp, ...over.scaleUp },
    scaleDown: { ...b.scaleDown, ...over.scaleDown },
  };
}

function ctx(over: Partial<NormalizeContext> = {}): NormalizeContext {
  return {
    now: NOW,
    currentReplicas: 3,
    minReplicas: 1,
    maxReplicas: 100,
    behavior: defaultBehavior(),
    ...over,
  };
}

Deno.test("defaultBehavior", async (t) => {
  await t.step(
    "autoscaling/v2 defaults: up 0 s, max(4 pods, 100%)/15 s; down 300 s, 100%/15 s",
    () => {
      assert.deepEqual(defaultBehavior(), {
        scaleUp: {
          stabilizationWindowSeconds: 0,
          selectPolicy: "Max",
          policies: [
            { type: "Pods", value: 4, periodSeconds: 15 },
            { type: "Percent", value: 100, periodSeconds: 15 },
          ],
        },
        scaleDown: {
          stabilizationWindowSeconds: 300,
          selectPolicy: "Max",
          policies: [{ type: "Percent", value: 100, periodSeconds: 15 }],
        },
      });
    },
  );
  await t.step("returns a fresh copy each time", () => {
    const a = defaultBehavior();
    a.scaleUp.policies[0].value = 99;
    assert.equal(defaultBehavior().scaleUp.policies[0].value, 4);
  });
});

Deno.test("stabilize", async (t) => {
  const cases: {
    name: string;
    recs: Recommendation[];
    current: number;
    proposal: number;
    behavior?: Behavior;
    want: number;
  }[] = [
    { name: "no history: the proposal passes", recs: [], current: 5, proposal: 3, want: 3 },
    {
      name: "scale-down takes the max recommendation in the window",
      recs: [{ at: 800, replicas: 8 }, { at: 990, replicas: 6 }],
      current: 8,
      proposal: 3,
      want: 8,
    },
    {
      name: "held below the current count by the window max",
      recs: [{ at: 800, replicas: 6 }],
      current: 8,
      proposal: 3,
      want: 6,
    },
    {
      // horizontal.go counts a recommendation when rec.timestamp.After(now - window)
      name: "a recommendation exactly one window old no longer counts",
      recs: [{ at: NOW - 300, replicas: 9 }],
      current: 9,
      proposal: 4,
      want: 4,
    },
    {
      name: "one second younger still counts",
      recs: [{ at: NOW - 299, replicas: 9 }],
      current: 9,
      proposal: 4,
      want: 9,
    },
    {
      name: "scale-up window takes the min recommendation",
      recs: [{ at: 950, replicas: 4 }, { at: 980, replicas: 6 }],
      current: 3,
      proposal: 8,
      behavior: behavior({ scaleUp: { stabilizationWindowSeconds: 60 } }),
      want: 4,
    },
    {
      name: "current count between both limits stays",
      recs: [{ at: 980, replicas: 2 }, { at: 990, replicas: 9 }],
      current: 5,
      proposal: 7,
      behavior: behavior({ scaleUp: { stabilizationWindowSeconds: 60 } }),
      want: 5,
    },
    {
      name: "zero scale-up window: scale up at once",
      recs: [{ at: NOW, replicas: 3 }],
      current: 3,
      proposal: 10,
      want: 10,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const got = stabilize(
        c.recs,
        c.proposal,
        ctx({
          currentReplicas: c.current,
          behavior: c.behavior ?? defaultBehavior(),
        }),
      );
      assert.equal(got, c.want);
    });
  }
});

const empty: BehaviorState = { recommendations: [], scaleEvents: [] };
const noDownWindow = behavior({ scaleDown: { stabilizationWindowSeconds: 0 } });
const NORMALIZE_CASES: {
  name: string;
  state?: BehaviorState;
  proposal: number;
  ctx: Partial<NormalizeContext>;
  want: number;
  reason: string | null;
}[] = [
  { name: "proposal within every limit passes", proposal: 5, ctx: {}, want: 5, reason: null },
  {
    name: "rate limit binds: ScaleUpLimit",
    proposal: 12,
    ctx: { currentReplicas: 2 },
    want: 6,
    reason: "ScaleUpLimit",
  },
  {
    // convertDesiredReplicasWithBehaviorRate names TooManyReplicas when maxReplicas <= the limit
    name: "rate limit equal to maxReplicas: TooManyReplicas",
    proposal: 12,
    ctx: { currentReplicas: 2, maxReplicas: 6 },
    want: 6,
    reason: "TooManyReplicas",
  },
  {
    name: "clamp last: maxReplicas below the rate limit",
    proposal: 12,
    ctx: { currentReplicas: 2, maxReplicas: 5 },
    want: 5,
    reason: "TooManyReplicas",
  },
  {
    name: "stabilisation binds: ScaleDownStabilized",
    state: { recommendations: [{ at: 900, replicas: 6 }], scaleEvents: [] },
    proposal: 2,
    ctx: { currentReplicas: 6 },
    want: 6,
    reason: "ScaleDownStabilized",
  },
  {
    name: "stabilisation binds: ScaleUpStabilized",
    state: { recommendations: [{ at: 970, replicas: 3 }], scaleEvents: [] },
    proposal: 6,
    ctx: { behavior: behavior({ scaleUp: { stabilizationWindowSeconds: 60 } }) },
    want: 3,
    reason: "ScaleUpStabilized",
  },
  {
    name: "scale-down rate binds: ScaleDownLimit",
    proposal: 2,
    ctx: {
      currentReplicas: 6,
      behavior: behavior({
        scaleDown: {
          stabilizationWindowSeconds: 0,
          policies: [{ type: "Pods", value: 1, periodSeconds: 60 }],
        },
      }),
    },
    want: 5,
    reason: "ScaleDownLimit",
  },
  {
    name: "minReplicas binds: TooFewReplicas",
    proposal: 0,
    ctx: { currentReplicas: 3, behavior: noDownWindow },
    want: 1,
    reason: "TooFewReplicas",
  },
  {
    name: "clamp pulls a count above max down even when the proposal holds it",
    proposal: 12,
    ctx: { currentReplicas: 12, maxReplicas: 10 },
    want: 10,
    reason: "TooManyReplicas",
  },
];

Deno.test("normalize", async (t) => {
  for (const c of NORMALIZE_CASES) {
    await t.step(c.name, () => {
      const n = normalize(c.state ?? empty, c.proposal, ctx(c.ctx));
      assert.equal(n.desired, c.want);
      assert.equal(n.reason, c.reason);
    });
  }

  await t.step("records the raw proposal and the scale event", () => {
    const n = normalize(empty, 12, ctx({ currentReplicas: 2 }));
    assert.deepEqual(n.state.recommendations, [{ at: NOW, replicas: 12 }]);
    assert.deepEqual(n.state.scaleEvents, [{ at: NOW, change: 4 }]);
  });
  await t.step("no scale event when the count does not change", () => {
    const n = normalize(empty, 3, ctx());
    assert.deepEqual(n.state.scaleEvents, []);
  });
  await t.step("prunes what no window or period can count", () => {
    const state: BehaviorState = {
      recommendations: [{ at: NOW - 300, replicas: 9 }, { at: NOW - 299, replicas: 8 }],
      scaleEvents: [{ at: NOW - 15, change: 1 }, { at: NOW - 14, change: 2 }],
    };
    const n = normalize(state, 3, ctx());
    assert.deepEqual(n.state.recommendations, [
      { at: NOW - 299, replicas: 8 },
      { at: NOW, replicas: 3 },
    ]);
    assert.deepEqual(n.state.scaleEvents, [{ at: NOW - 14, change: 2 }]);
  });
  await t.step("does not mutate the input state", () => {
    const state: BehaviorState = { recommendations: [{ at: 990, replicas: 4 }], scaleEvents: [] };
    const before = structuredClone(state);
    normalize(state, 10, ctx());
    assert.deepEqual(state, before);
  });
  await t.step("a fresh history holds the current count for the scale-down window", () => {
    const fresh = initialBehaviorState(NOW, 8);
    assert.equal(normalize(fresh, 2, ctx({ currentReplicas: 8 })).desired, 8);
    assert.equal(normalize(fresh, 2, ctx({ currentReplicas: 8, now: NOW + 300 })).desired, 2);
  });
});

Deno.test("recordScaleEvent", async (t) => {
  await t.step("keeps events within the longest period of either direction", () => {
    const b = behavior({
      scaleDown: { policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] },
    });
    const got = recordScaleEvent(
      [{ at: NOW - 60, change: 1 }, { at: NOW - 59, change: -1 }],
      { from: 4, to: 6 },
      { now: NOW, behavior: b },
    );
    assert.deepEqual(got, [{ at: NOW - 59, change: -1 }, { at: NOW, change: 2 }]);
  });
});
