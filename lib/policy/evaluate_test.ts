import assert from "node:assert/strict";
import { evaluate, InputError, POLICY_NAMES, resolveSpec } from "./evaluate.ts";
import { HPA_DEFAULTS } from "./hpa.ts";
import { CPA_DEFAULTS } from "./cpa.ts";
import { KPA_DEFAULTS } from "./kpa.ts";
import { QUEUE_DEFAULTS } from "./queue_length.ts";
import { CPA_SEED_DEFAULTS } from "./cpa_seed.ts";

const hpaPod = (usage: number) => ({ cpuRequestMilli: 1000, cpuUsageMilli: usage });

Deno.test("resolveSpec", async (t) => {
  const cases = [
    { name: "hpa defaults", policy: "hpa" as const, want: HPA_DEFAULTS },
    { name: "cpa defaults", policy: "cpa" as const, want: CPA_DEFAULTS },
    { name: "cpa-seed defaults", policy: "cpa-seed" as const, want: CPA_SEED_DEFAULTS },
    { name: "kpa defaults", policy: "kpa" as const, want: KPA_DEFAULTS },
    { name: "queue defaults", policy: "queue" as const, want: QUEUE_DEFAULTS },
  ];
  for (const c of cases) {
    await t.step(c.name, () => assert.deepEqual(resolveSpec(c.policy), c.want));
  }
  await t.step("a partial behavior keeps the other defaults (autoscaling/v2 defaulting)", () => {
    const s = resolveSpec("hpa", { behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } });
    assert.deepEqual(s.behavior.scaleDown, {
      ...HPA_DEFAULTS.behavior.scaleDown,
      stabilizationWindowSeconds: 60,
    });
    assert.deepEqual(s.behavior.scaleUp, HPA_DEFAULTS.behavior.scaleUp);
  });
  await t.step("cpa's scale-down window defaults to 120 s", () => {
    assert.equal(resolveSpec("cpa").behavior.scaleDown.stabilizationWindowSeconds, 120);
  });
  await t.step("defaults are fresh objects", () => {
    const a = resolveSpec("hpa");
    a.behavior.scaleUp.policies[0].value = 99;
    assert.equal(resolveSpec("hpa").behavior.scaleUp.policies[0].value, 4);
  });
});

const INPUT_ERRORS: { name: string; input: unknown; message: RegExp }[] = [
  { name: "not an object", input: [1], message: /^input must be a JSON object: got \[1\]$/ },
  {
    name: "unknown policy",
    input: { policy: "vpa", observation: {} },
    message: /^policy must be one of hpa, cpa-seed, cpa, kpa, queue: got "vpa"$/,
  },
  {
    name: "unknown top-level key",
    input: { policy: "hpa", observation: {}, sepc: {} },
    message: /unknown key "sepc"/,
  },
  {
    name: "misspelt spec field",
    input: { policy: "queue", spec: { maxReplica: 3 }, observation: {} },
    message: /^spec: Unrecognized key: "maxReplica"$/,
  },
  {
    name: "out-of-range spec field names the value",
    input: { policy: "kpa", spec: { targetConcurrencyPerReplica: 0 }, observation: {} },
    message: /^spec\.targetConcurrencyPerReplica: Too small.*\(got 0\)$/,
  },
  {
    name: "minReplicas above maxReplicas",
    input: { policy: "cpa", spec: { minReplicas: 5, maxReplicas: 3 }, observation: {} },
    message: /^spec\.minReplicas: minReplicas \(5\) must not exceed maxReplicas \(3\)$/,
  },
  {
    name: "bad behavior policy type",
    input: {
      policy: "hpa",
      spec: {
        behavior: { scaleUp: { policies: [{ type: "Pod", value: 1, periodSeconds: 15 }] } },
      },
      observation: {},
    },
    message: /^spec\.behavior\.scaleUp\.policies\[0\]\.type: .*\(got "Pod"\)$/,
  },
  {
    name: "empty behavior policies",
    input: {
      policy: "hpa",
      spec: { behavior: { scaleDown: { policies: [] } } },
      observation: {},
    },
    message: /^spec\.behavior\.scaleDown\.policies: Too small/,
  },
  { name: "missing observation", input: { policy: "hpa" }, message: /^observation is required$/ },
  {
    name: "missing now",
    input: { policy: "queue", observation: { currentReplicas: 1 } },
    message: /^observation\.now: Invalid input: expected number/,
  },
  {
    name: "hpa needs pods",
    input: { policy: "hpa", observation: { now: 0, currentReplicas: 1 } },
    message: /^observation\.pods: /,
  },
  {
    name: "hpa pods need a CPU request",
    input: {
      policy: "hpa",
      observation: { now: 0, currentReplicas: 1, pods: [{ cpuUsageMilli: 5 }] },
    },
    message: /^observation\.pods\[0\]\.cpuRequestMilli: /,
  },
  {
    name: "negative replica count",
    input: { policy: "kpa", observation: { now: 0, currentReplicas: -1 } },
    message: /^observation\.currentReplicas: Too small.*\(got -1\)$/,
  },
  {
    name: "another policy's state",
    input: {
      policy: "hpa",
      observation: { now: 0, currentReplicas: 1, pods: [hpaPod(500)] },
      state: { samples: [], panicSince: null, maxPanicPods: 0 },
    },
    message: /^state/,
  },
];

Deno.test("evaluate", async (t) => {
  await t.step("answers {targetReplicas, reason, state} for every policy", () => {
    for (const policy of POLICY_NAMES) {
      const out = evaluate({
        policy,
        spec: {},
        observation: {
          now: 10,
          currentReplicas: 2,
          pods: [hpaPod(900), hpaPod(900)],
          p95LatencySeconds: 1.2,
          arrivalRatePerSecond: 60,
          queueLength: 30,
          inFlight: 10,
        },
      });
      assert.deepEqual(Object.keys(out), ["targetReplicas", "reason", "state"], policy);
      assert.ok(Number.isInteger(out.targetReplicas) && out.targetReplicas > 2, policy);
    }
  });
  await t.step("the output state round-trips as the next input's state", () => {
    const input = (now: number, state?: unknown) => ({
      policy: "hpa",
      observation: { now, currentReplicas: 4, pods: [1, 2, 3, 4].map(() => hpaPod(100)) },
      state,
    });
    const first = evaluate(input(0));
    assert.equal(first.targetReplicas, 4); // held by the 300 s window
    const second = evaluate(input(300, JSON.parse(JSON.stringify(first.state))));
    assert.equal(second.targetReplicas, 1);
  });
  await t.step("state {} and null start fresh", () => {
    const base = { policy: "queue", observation: { now: 0, currentReplicas: 1, inFlight: 30 } };
    assert.equal(evaluate({ ...base, state: {} }).targetReplicas, 3);
    assert.equal(evaluate({ ...base, state: null }).targetReplicas, 3);
  });
  await t.step("null observation fields read as absent", () => {
    const out = evaluate({
      policy: "cpa-seed",
      observation: { now: 0, currentReplicas: 2, p95LatencySeconds: null },
    });
    assert.deepEqual([out.targetReplicas, out.reason], [2, "MetricsUnavailable"]);
  });
});

Deno.test("evaluate: rejects bad input", async (t) => {
  for (const c of INPUT_ERRORS) {
    await t.step(`rejects: ${c.name}`, () => {
      assert.throws(() => evaluate(c.input), (e: unknown) => {
        assert.ok(e instanceof InputError, String(e));
        assert.match(e.message, c.message);
        assert.ok(!e.message.includes("\n"));
        return true;
      });
    });
  }
});
