/** Fixtures shared by hpa_test.ts and hpa_behavior_test.ts: specs and pod observations. */
import { type Behavior, defaultBehavior, type ScalingRules } from "./behavior.ts";
import { HPA_DEFAULTS, type HpaSpec } from "./hpa.ts";
import type { Observation, PodObservation } from "./types.ts";

export const NOW = 1000;

export function spec(over: Partial<HpaSpec> = {}): HpaSpec {
  return { ...HPA_DEFAULTS, behavior: defaultBehavior(), ...over };
}

export function withBehavior(
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
export function pod(usage: number | undefined, over: PodObservation = {}): PodObservation {
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
export function pods(n: number, percent: number): PodObservation[] {
  return Array.from({ length: n }, () => pod(percent * 10));
}

export function obs(p: PodObservation[], current = p.length, now = NOW): Observation {
  return { now, currentReplicas: current, pods: p };
}
