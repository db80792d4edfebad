import assert from "node:assert/strict";
import { decide, KPA_DEFAULTS, type KpaSpec, type KpaState } from "./kpa.ts";
import type { Observation, PodObservation } from "./types.ts";

// Knative reference: pkg/autoscaler/scaling/autoscaler.go (Scale). Target 10 per replica.

const CALM: KpaState = { samples: [], panicSince: null, maxPanicPods: 0 };

function spec(over: Partial<KpaSpec> = {}): KpaSpec {
  return { ...KPA_DEFAULTS, maxReplicas: 100, ...over };
}

const DECIDE_CASES: {
  name: string;
  spec?: Partial<KpaSpec>;
  state?: KpaState | null;
  obs: Partial<Observation>;
  want: number;
  reason: string;
}[] = [
  {
    name: "desired = ceil(concurrency / target)",
    obs: { currentReplicas: 3, inFlight: 20, queueLength: 5 },
    want: 3,
    reason: "AtTarget",
  },
  {
    name: "an explicit concurrency wins over inFlight + queueLength",
    obs: { currentReplicas: 3, concurrency: 41, inFlight: 5 },
    want: 5,
    reason: "AboveTarget",
  },
  {
    name: "max scale-up rate: ceil(rate × ready)",
    spec: { maxScaleUpRate: 1.5 },
    obs: { currentReplicas: 2, concurrency: 100 },
    want: 3,
    reason: "ScaleUpLimit",
  },
  {
    name: "max scale-down rate 2: at most half the ready pods go",
    obs: { currentReplicas: 10, concurrency: 0 },
    want: 5,
    reason: "ScaleDownLimit",
  },
  {
    name: "panic threshold is relative to ready pods, not the replica count",
    obs: {
      currentReplicas: 4,
      concurrency: 45,
      pods: [{}, {}, { ready: false }, { phase: "Pending" }] as PodObservation[],
    },
    want: 5,
    reason: "PanicMode",
  },
  {
    name: "under the panic threshold: stable mode",
    obs: { currentReplicas: 4, concurrency: 45 },
    want: 5,
    reason: "AboveTarget",
  },
  {
    name: "a fresh autoscaler with several ready pods starts in panic at the current count",
    state: null,
    obs: { currentReplicas: 4, concurrency: 0 },
    want: 4,
    reason: "PanicHold",
  },
  {
    name: "a fresh autoscaler with one pod does not",
    state: null,
    obs: { currentReplicas: 1, concurrency: 5 },
    want: 1,
    reason: "AtTarget",
  },
  {
    name: "no ready pods count as one",
    spec: { minReplicas: 0 },
    obs: { currentReplicas: 0, concurrency: 5 },
    want: 1,
    reason: "AboveTarget",
  },
  {
    name: "scale to zero when minReplicas is 0",
    spec: { minReplicas: 0 },
    obs: { currentReplicas: 1, concurrency: 0 },
    want: 0,
    reason: "BelowTarget",
  },
  {
    name: "maxReplicas clamps last",
    spec: { maxReplicas: 4 },
    obs: { currentReplicas: 3, concurrency: 55 },
    want: 4,
    reason: "TooManyReplicas",
  },
  {
    name: "minReplicas clamps last",
    spec: { minReplicas: 2 },
    obs: { currentReplicas: 2, concurrency: 1 },
    want: 2,
    reason: "TooFewReplicas",
  },
];

Deno.test("decide", async (t) => {
  for (const c of DECIDE_CASES) {
    await t.step(c.name, () => {
      const state = c.state === null ? undefined : c.state ?? CALM;
      const d = decide(spec(c.spec), state, { now: 100, currentReplicas: 1, ...c.obs });
      assert.deepEqual([d.desired, d.reason], [c.want, c.reason]);
    });
  }

  await t.step("samples older than the stable window are dropped", () => {
    const state: KpaState = {
      ...CALM,
      samples: [{ at: 40, value: 1000 }, { at: 41, value: 30 }],
    };
    const d = decide(spec(), state, { now: 100, currentReplicas: 3, concurrency: 30 });
    assert.deepEqual(d.state.samples, [{ at: 41, value: 30 }, { at: 100, value: 30 }]);
    assert.equal(d.desired, 3);
  });
});

Deno.test("decide over time", async (t) => {
  // 2 s ticks; concurrency 20 for a minute, a burst of 100 for 10 s, then 10.
  const trace: [number, number, string][] = [];
  let state: KpaState | undefined = CALM;
  let current = 2;
  for (let now = 0; now <= 124; now += 2) {
    const concurrency = now < 60 ? 20 : now < 70 ? 100 : 10;
    const d = decide(spec(), state, { now, currentReplicas: current, concurrency });
    trace.push([now, d.desired, d.reason]);
    state = JSON.parse(JSON.stringify(d.state));
    current = d.desired;
  }
  const at = (now: number) => trace[now / 2];

  await t.step("stable before the burst", () => {
    assert.deepEqual(at(58), [58, 2, "AtTarget"]);
  });
  await t.step("panic window (6 s) catches the burst: 5 > 2 × 2 ready", () => {
    assert.deepEqual(at(60), [60, 5, "PanicMode"]); // stable avg 22.7 → 3, panic avg 46.7 → 5
    assert.deepEqual(at(62), [62, 8, "PanicMode"]);
    assert.deepEqual(at(64), [64, 10, "PanicMode"]);
  });
  await t.step("no scale-down while panicking", () => {
    for (let now = 70; now <= 120; now += 2) assert.deepEqual(at(now), [now, 10, "PanicHold"]);
  });
  await t.step("panic ends a stable window (60 s) after it was last extended", () => {
    // stable average 19 → 2, but at most half of 10 ready pods may go
    assert.deepEqual(at(122), [122, 5, "ScaleDownLimit"]);
    assert.deepEqual(at(124), [124, 2, "BelowTarget"]);
  });
});
