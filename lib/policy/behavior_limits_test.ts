import assert from "node:assert/strict";
import {
  defaultBehavior,
  scaleDownLimit,
  type ScaleEvent,
  scaleUpLimit,
  type ScalingRules,
} from "./behavior.ts";

// The rate limits of autoscaling/v2 behavior policies (horizontal.go, calculateScale*Limit).

const NOW = 1000;

Deno.test("scaleUpLimit", async (t) => {
  const cases: {
    name: string;
    current: number;
    events?: ScaleEvent[];
    rules?: Partial<ScalingRules>;
    want: number;
  }[] = [
    { name: "default from 1: +4 pods beats +100%", current: 1, want: 5 },
    { name: "default from 3: +4 pods beats +100%", current: 3, want: 7 },
    { name: "default from 10: +100% beats +4 pods", current: 10, want: 20 },
    {
      // getReplicasChangePerPeriod: periodStartReplicas = current - added + deleted
      name: "replicas added within the period count against it",
      current: 5,
      events: [{ at: 990, change: 4 }],
      want: 5,
    },
    {
      name: "an event exactly one period old is forgotten",
      current: 5,
      events: [{ at: NOW - 15, change: 4 }],
      want: 10,
    },
    {
      name: "replicas removed within the period raise the start count",
      current: 3,
      events: [{ at: 995, change: -2 }],
      want: 10,
    },
    {
      name: "selectPolicy Min takes the smaller change",
      current: 3,
      rules: { selectPolicy: "Min" },
      want: 6,
    },
    {
      name: "selectPolicy Disabled: no scale-up",
      current: 3,
      rules: { selectPolicy: "Disabled" },
      want: 3,
    },
    {
      // calculateScaleUpLimitWithScalingRules rounds Percent up so it can always add a pod
      name: "Percent rounds up",
      current: 3,
      rules: { policies: [{ type: "Percent", value: 10, periodSeconds: 60 }] },
      want: 4,
    },
    {
      name: "Pods policy with a long period",
      current: 4,
      events: [{ at: 950, change: 2 }],
      rules: { policies: [{ type: "Pods", value: 2, periodSeconds: 60 }] },
      want: 4,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const rules = { ...defaultBehavior().scaleUp, ...c.rules };
      assert.equal(
        scaleUpLimit(c.events ?? [], rules, { now: NOW, currentReplicas: c.current }),
        c.want,
      );
    });
  }
});

Deno.test("scaleDownLimit", async (t) => {
  const cases: {
    name: string;
    current: number;
    events?: ScaleEvent[];
    rules?: Partial<ScalingRules>;
    want: number;
  }[] = [
    { name: "default 100%: down to 0 allowed", current: 7, want: 0 },
    {
      name: "Percent truncates",
      current: 5,
      rules: { policies: [{ type: "Percent", value: 50, periodSeconds: 15 }] },
      want: 2,
    },
    {
      name: "selectPolicy Max takes the largest change",
      current: 10,
      rules: {
        policies: [
          { type: "Pods", value: 2, periodSeconds: 15 },
          { type: "Percent", value: 50, periodSeconds: 15 },
        ],
      },
      want: 5,
    },
    {
      name: "selectPolicy Min takes the smallest change",
      current: 10,
      rules: {
        selectPolicy: "Min",
        policies: [
          { type: "Pods", value: 2, periodSeconds: 15 },
          { type: "Percent", value: 50, periodSeconds: 15 },
        ],
      },
      want: 8,
    },
    {
      name: "replicas removed within the period count against it",
      current: 8,
      events: [{ at: 950, change: -2 }],
      rules: { policies: [{ type: "Pods", value: 2, periodSeconds: 60 }] },
      want: 8,
    },
    {
      name: "selectPolicy Disabled: no scale-down",
      current: 6,
      rules: { selectPolicy: "Disabled" },
      want: 6,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const rules = { ...defaultBehavior().scaleDown, ...c.rules };
      assert.equal(
        scaleDownLimit(c.events ?? [], rules, { now: NOW, currentReplicas: c.current }),
        c.want,
      );
    });
  }
});
