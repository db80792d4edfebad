import assert from "node:assert/strict";
import { defaultBehavior } from "./behavior.ts";
import { decide, QUEUE_DEFAULTS, type QueueSpec, type QueueState } from "./queue_length.ts";
import type { Observation } from "./types.ts";

// KEDA AverageValue → HPA GetExternalPerPodMetricReplicas (replica_calculator.go). Target 10.

function spec(over: Partial<QueueSpec> = {}): QueueSpec {
  return { ...QUEUE_DEFAULTS, behavior: defaultBehavior(), maxReplicas: 50, ...over };
}

const EMPTY: QueueState = { recommendations: [], scaleEvents: [] };

const DECIDE_CASES: {
  name: string;
  spec?: Partial<QueueSpec>;
  obs: Partial<Observation>;
  want: number;
  reason: string;
}[] = [
  {
    name: "ceil((queueLength + inFlight) / target)",
    obs: { currentReplicas: 2, queueLength: 35, inFlight: 10 },
    want: 5,
    reason: "AboveTarget",
  },
  {
    name: "within tolerance (42 / 40 = 1.05): keep the count",
    obs: { currentReplicas: 4, queueLength: 30, inFlight: 12 },
    want: 4,
    reason: "WithinTolerance",
  },
  {
    name: "just outside tolerance (45 / 40): ceil(4.5)",
    obs: { currentReplicas: 4, queueLength: 30, inFlight: 15 },
    want: 5,
    reason: "AboveTarget",
  },
  {
    name: "ratio uses the replica count, not ready pods",
    obs: { currentReplicas: 4, inFlight: 42, pods: [{}, { ready: false }] },
    want: 4,
    reason: "WithinTolerance",
  },
  {
    name: "missing fields count as 0",
    obs: { currentReplicas: 1, inFlight: 23 },
    want: 3,
    reason: "AboveTarget",
  },
  {
    name: "from zero: activate to ceil(metric / target)",
    spec: { minReplicas: 0 },
    obs: { currentReplicas: 0, queueLength: 15 },
    want: 2,
    reason: "AboveTarget",
  },
  {
    name: "zero stays zero without work",
    spec: { minReplicas: 0 },
    obs: { currentReplicas: 0 },
    want: 0,
    reason: "AtTarget",
  },
  {
    name: "inherits the HPA scale-up default: +4 pods from 1",
    obs: { currentReplicas: 1, queueLength: 200 },
    want: 5,
    reason: "ScaleUpLimit",
  },
  {
    name: "maxReplicas clamps",
    spec: { maxReplicas: 3 },
    obs: { currentReplicas: 2, queueLength: 200 },
    want: 3,
    reason: "TooManyReplicas",
  },
  {
    name: "per-direction tolerance",
    spec: {
      behavior: {
        ...defaultBehavior(),
        scaleUp: { ...defaultBehavior().scaleUp, tolerance: 0.3 },
      },
    },
    obs: { currentReplicas: 4, queueLength: 50 },
    want: 4,
    reason: "WithinTolerance",
  },
];

Deno.test("decide", async (t) => {
  for (const c of DECIDE_CASES) {
    await t.step(c.name, () => {
      const d = decide(spec(c.spec), EMPTY, { now: 100, currentReplicas: 1, ...c.obs });
      assert.deepEqual([d.desired, d.reason], [c.want, c.reason]);
    });
  }
});

Deno.test("decide over time", async (t) => {
  await t.step("idle scales to zero only after the 300 s window (KEDA's cooldown)", () => {
    const s = spec({ minReplicas: 0 });
    let state: QueueState | undefined;
    let current = 3;
    const seen: number[] = [];
    for (let now = 0; now <= 330; now += 30) {
      const queueLength = now === 0 ? 30 : 0;
      const d = decide(s, state, { now, currentReplicas: current, queueLength });
      seen.push(d.desired);
      state = d.state;
      current = d.desired;
    }
    // the recommendation of 3 at t=0 counts while t < 300
    assert.deepEqual(seen, [3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0]);
  });
  await t.step("a fresh autoscaler does not scale down at once", () => {
    const d = decide(spec(), undefined, { now: 0, currentReplicas: 6 });
    assert.deepEqual([d.desired, d.reason], [6, "ScaleDownStabilized"]);
  });
});
