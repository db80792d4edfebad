/**
 * Policy evaluation cost for 100 pods: one `decide` call per policy with a realistic history
 * (a few minutes of 15 s ticks). The budget is 50 µs per call.
 *
 * - `deno bench bench/policy_bench.ts`: one `Deno.bench` per policy.
 * - `deno run bench/policy_bench.ts [ITERATIONS]`: times a loop of calls per policy with
 *   `performance.now()` and prints one JSON line (the bench runner's `policy` section), plus
 *   the cost of a whole `evaluate` (zod validation of 100 pods included) for `hpa`.
 *
 * @module
 */
import { defaultBehavior } from "../lib/policy/behavior.ts";
import { CPA_DEFAULTS, decide as cpa } from "../lib/policy/cpa.ts";
import { CPA_SEED_DEFAULTS, decide as cpaSeed } from "../lib/policy/cpa_seed.ts";
import { decide as hpa, HPA_DEFAULTS } from "../lib/policy/hpa.ts";
import { decide as kpa, KPA_DEFAULTS } from "../lib/policy/kpa.ts";
import { evaluate } from "../lib/policy/evaluate.ts";
import { decide as queue, QUEUE_DEFAULTS } from "../lib/policy/queue_length.ts";
import type { Decision, Observation, PodObservation } from "../lib/policy/types.ts";

const PODS = 100;
const BUDGET_US = 50;

/** 100 pods: mostly ready at ~70% of a 1000m request, a few missing, young or pending. */
function pods(now: number): PodObservation[] {
  return Array.from({ length: PODS }, (_, i) => ({
    name: `r-${i}`,
    phase: i % 50 === 7 ? "Pending" : "Running",
    ready: i % 25 !== 3,
    deleting: false,
    startTime: i % 20 === 5 ? now - 100 : 0,
    readyTransitionTime: i % 20 === 5 ? now - 60 : 12,
    cpuRequestMilli: 1000,
    cpuUsageMilli: i % 33 === 1 ? undefined : 650 + (i * 37) % 200,
    metricTimestamp: now - 5,
    metricWindowSeconds: 30,
  }));
}

function observation(now: number): Observation {
  return {
    now,
    currentReplicas: PODS,
    pods: pods(now),
    p95LatencySeconds: 0.62, // over the 0.5 s SLO: cpa takes its correction path
    arrivalRatePerSecond: 1700,
    throughputPerSecond: 1700,
    queueLength: 40,
    inFlight: 700,
  };
}

type Run = (obs: Observation) => Decision<unknown>;

/** A policy bound to its spec, fed 20 ticks of history so state is realistic. */
function prepared<S>(
  decide: (spec: never, state: S | undefined, obs: Observation) => Decision<S>,
  spec: unknown,
): Run {
  let state: S | undefined;
  for (let i = 0; i < 20; i++) state = decide(spec as never, state, observation(i * 15)).state;
  return (obs) => decide(spec as never, state, obs);
}

/** Every policy, ready to call with an observation. */
export function policies(): Record<string, Run> {
  const big = { maxReplicas: 200 };
  return {
    "hpa": prepared(hpa, { ...HPA_DEFAULTS, ...big, behavior: defaultBehavior() }),
    "cpa-seed": prepared(cpaSeed, { ...CPA_SEED_DEFAULTS, ...big }),
    "cpa": prepared(cpa, { ...CPA_DEFAULTS, ...big }),
    "kpa": prepared(kpa, { ...KPA_DEFAULTS, ...big }),
    "queue": prepared(queue, { ...QUEUE_DEFAULTS, ...big }),
  };
}

/** Median µs per call over `rounds` loops of `iterations` calls each. */
export function measure(run: Run, iterations: number, rounds = 5): number {
  const obs = observation(300);
  let sink = 0;
  for (let i = 0; i < iterations; i++) sink += run(obs).desired; // warm-up
  const perCall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) sink += run(obs).desired;
    perCall.push(((performance.now() - start) * 1000) / iterations);
  }
  if (sink < 0) throw new Error("unreachable");
  perCall.sort((a, b) => a - b);
  return Math.round(perCall[rounds >> 1] * 100) / 100;
}

for (const [name, run] of Object.entries(policies())) {
  const obs = observation(300);
  Deno.bench(`${name} decide, ${PODS} pods`, () => {
    run(obs);
  });
}

if (import.meta.main) {
  const iterations = Number(Deno.args[0] ?? 20_000);
  const usPerCall: Record<string, number> = {};
  for (const [name, run] of Object.entries(policies())) usPerCall[name] = measure(run, iterations);
  const worst = Math.max(...Object.values(usPerCall));
  const input = JSON.parse(JSON.stringify({ policy: "hpa", observation: observation(300) }));
  const validated = measure(() => ({ ...evaluate(input), desired: 0 }), iterations / 10);
  console.log(JSON.stringify({
    pods: PODS,
    iterations,
    us_per_call: usPerCall,
    evaluate_hpa_validated_us_per_call: validated,
    budget_us: BUDGET_US,
    within_budget: worst <= BUDGET_US,
  }));
}
