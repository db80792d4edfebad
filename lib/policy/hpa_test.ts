import assert from "node:assert/strict";
import { cpuReplicas, groupPods, type HpaSpec } from "./hpa.ts";
import { NOW, obs, pod, pods, spec, withBehavior } from "./hpa_test_support.ts";
import type { PodObservation } from "./types.ts";

// Kubernetes references: replica_calculator.go (GetResourceReplicas, groupPods).

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

const CPU_CASES: {
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

Deno.test("cpuReplicas", async (t) => {
  for (const c of CPU_CASES) {
    await t.step(c.name, () => {
      const got = cpuReplicas(c.spec ?? spec(), obs(c.pods, c.current ?? c.pods.length));
      assert.equal(got.replicas, c.want);
      assert.equal(got.reason, c.reason);
    });
  }
});
