import assert from "node:assert/strict";
import type { Actuator, ActuatorPod } from "../actuator/mod.ts";
import {
  buildObservation,
  INITIAL_LOOP_STATE,
  type LoopState,
  tick,
  type TickDeps,
} from "./control_loop.ts";
import type { MetricReading, MetricSource } from "../metrics/mod.ts";

/** A source answering whatever the test sets, or failing. */
function fakeSource(reading: () => MetricReading | Error): MetricSource {
  return {
    kind: "scrape",
    read() {
      const r = reading();
      return r instanceof Error ? Promise.reject(r) : Promise.resolve(r);
    },
  };
}

function fakeActuator(start: number, failScale: () => boolean = () => false) {
  const calls: number[] = [];
  let replicas = start;
  const actuator: Actuator = {
    kind: "fake",
    current: () => Promise.resolve(replicas),
    scale(n) {
      calls.push(n);
      if (failScale()) return Promise.reject(new Error("HTTP 403 Forbidden"));
      const from = replicas;
      replicas = n;
      return Promise.resolve({ from, to: n, changed: from !== n });
    },
    pods: () =>
      Promise.resolve(Array.from({ length: replicas }, (_, i): ActuatorPod => ({
        name: `p${i}`,
        instance: `127.0.0.1:${7000 + i}`,
        phase: "Running",
        ready: true,
        deleting: false,
        startTime: 0,
        readyTransitionTime: 0,
        cpuRequestMilli: 1000,
      }))),
    close: () => Promise.resolve(),
  };
  return {
    actuator,
    calls,
    get replicas() {
      return replicas;
    },
  };
}

function reading(over: Partial<MetricReading> = {}): MetricReading {
  return {
    values: { queueLength: 0, inFlight: 0, arrivalRatePerSecond: 1, p95LatencySeconds: 0.1 },
    podCpuCores: {},
    missing: [],
    down: [],
    errors: [],
    ...over,
  };
}

function deps(source: MetricSource, actuator: Actuator, over: Partial<TickDeps> = {}): TickDeps {
  return {
    policy: "queue",
    spec: { targetPerReplica: 2, minReplicas: 1, maxReplicas: 10 },
    source,
    actuator,
    backoff: { baseS: 15, maxS: 120 },
    windowS: 60,
    ...over,
  };
}

Deno.test("tick: metrics and holds", async (t) => {
  await t.step("scales up when the policy asks and records the inputs", async () => {
    const a = fakeActuator(1);
    const src = fakeSource(() => reading({ values: { queueLength: 6, inFlight: 2 } }));
    const { record, state } = await tick(deps(src, a.actuator), INITIAL_LOOP_STATE, 1000);
    assert.equal(record.current, 1);
    assert.equal(record.desired, 4); // (6 + 2) / 2 per replica
    assert.equal(record.actuation, "scaled");
    assert.equal(record.inputs.queueLength, 6);
    assert.deepEqual(a.calls, [4]);
    assert.notEqual(state.policyState, undefined);
  });

  await t.step("source failure holds the count, never falls to the minimum", async () => {
    const a = fakeActuator(4);
    const src = fakeSource(() => new Error("prometheus query failed (unreachable)"));
    const { record, state } = await tick(deps(src, a.actuator), INITIAL_LOOP_STATE, 1000);
    assert.equal(record.desired, 4);
    assert.equal(record.reason, "MetricsUnavailable");
    assert.equal(record.metricError, true);
    assert.deepEqual(a.calls, []);
    assert.deepEqual(state, INITIAL_LOOP_STATE);
    assert.match(record.errors[0], /unreachable/);
  });

  await t.step("every required field missing: MetricsUnavailable hold", async () => {
    const a = fakeActuator(3);
    const src = fakeSource(() => reading({ values: {}, missing: ["queueLength", "inFlight"] }));
    const { record } = await tick(deps(src, a.actuator), INITIAL_LOOP_STATE, 1000);
    assert.deepEqual([record.desired, record.reason, a.calls.length], [3, "MetricsUnavailable", 0]);
  });

  await t.step("a target down: MetricsPartial hold even with values", async () => {
    const a = fakeActuator(3);
    const src = fakeSource(() => reading({ down: ["127.0.0.1:7001: connection refused"] }));
    const { record } = await tick(deps(src, a.actuator), INITIAL_LOOP_STATE, 1000);
    assert.deepEqual([record.desired, record.reason, record.metricError], [
      3,
      "MetricsPartial",
      true,
    ]);
  });

  await t.step("a missing field the policy does not need does not hold", async () => {
    const a = fakeActuator(2);
    const src = fakeSource(() => reading({ missing: ["podCpu", "p95LatencySeconds"] }));
    const { record } = await tick(deps(src, a.actuator), INITIAL_LOOP_STATE, 1000);
    assert.equal(record.metricError, false);
    assert.notEqual(record.reason, "MetricsPartial");
  });

  await t.step("resumes deciding when metrics return", async () => {
    const a = fakeActuator(2);
    let outage = true;
    const src = fakeSource(() =>
      outage ? new Error("down") : reading({ values: { queueLength: 10, inFlight: 2 } })
    );
    let state: LoopState = INITIAL_LOOP_STATE;
    for (let now = 1000; now < 1060; now += 15) {
      const r = await tick(deps(src, a.actuator), state, now);
      state = r.state;
      assert.equal(r.record.desired, 2, `held at ${now}`);
    }
    outage = false;
    const { record } = await tick(deps(src, a.actuator), state, 1060);
    assert.equal(record.actuation, "scaled");
    assert.equal(a.replicas, 6); // (10 + 2) / 2
  });
});

Deno.test("tick: actuation", async (t) => {
  await t.step("actuator errors back off exponentially, then retry", async () => {
    let failing = true;
    const a = fakeActuator(1, () => failing);
    const src = fakeSource(() => reading({ values: { queueLength: 6, inFlight: 2 } }));
    const d = deps(src, a.actuator);
    let state: LoopState = INITIAL_LOOP_STATE;
    const outcomes: string[] = [];
    for (let now = 1000; now <= 1105; now += 15) {
      const r = await tick(d, state, now);
      state = r.state;
      outcomes.push(r.record.actuation);
    }
    // failures at 1000 (wait 15), 1015 (wait 30 → 1045), 1045 (wait 60 → 1105), 1105
    assert.deepEqual(outcomes, [
      "failed",
      "failed",
      "backoff",
      "failed",
      "backoff",
      "backoff",
      "backoff",
      "failed",
    ]);
    assert.equal(state.failures, 4);
    failing = false;
    const r = await tick(d, state, 1105 + 120);
    assert.equal(r.record.actuation, "scaled");
    assert.equal(r.state.failures, 0);
  });

  await t.step("dry run decides without scaling", async () => {
    const a = fakeActuator(1);
    const src = fakeSource(() => reading({ values: { queueLength: 6, inFlight: 2 } }));
    const { record } = await tick(
      deps(src, a.actuator, { dryRun: true }),
      INITIAL_LOOP_STATE,
      1000,
    );
    assert.deepEqual([record.desired, record.actuation, a.calls.length], [4, "dry-run", 0]);
  });
});

Deno.test("tick: hpa", async (t) => {
  await t.step("hpa gets per-pod CPU matched by instance", async () => {
    const a = fakeActuator(2);
    const src = fakeSource(() =>
      reading({ podCpuCores: { "127.0.0.1:7000": 0.9, "127.0.0.1:7001": 0.9 } })
    );
    const spec = { minReplicas: 1, maxReplicas: 10, targetCPUUtilizationPercentage: 50 };
    const { record } = await tick(
      deps(src, a.actuator, { policy: "hpa", spec }),
      INITIAL_LOOP_STATE,
      1000,
    );
    assert.equal(record.desired, 4); // 2 × 90% / 50% = 3.6 → 4
    const pods = record.inputs.pods as { cpuUsageMilli: number }[];
    assert.deepEqual(pods.map((p) => Math.round(p.cpuUsageMilli)), [900, 900]);
  });

  await t.step("hpa with no CPU series at all holds", async () => {
    const a = fakeActuator(5);
    const src = fakeSource(() => reading({ missing: ["podCpu"] }));
    const { record } = await tick(
      deps(src, a.actuator, { policy: "hpa", spec: {} }),
      INITIAL_LOOP_STATE,
      1000,
    );
    assert.deepEqual([record.desired, record.reason], [5, "MetricsUnavailable"]);
  });
});

Deno.test("buildObservation: a pod younger than the rate window has a sample window of its age", () => {
  const pod = (startTime: number): ActuatorPod => ({
    name: "p",
    instance: "127.0.0.1:7000",
    phase: "Running",
    ready: true,
    deleting: false,
    startTime,
    readyTransitionTime: startTime,
    cpuRequestMilli: 1000,
  });
  const reading: MetricReading = {
    values: {},
    podCpuCores: { "127.0.0.1:7000": 0.5 },
    missing: [],
    down: [],
    errors: [],
  };
  const windows = [pod(1000), pod(1090), pod(NaN)].map((p) =>
    buildObservation(reading, { now: 1100, current: 1, pods: [p], windowS: 60 }).pods![0]
  );
  assert.deepEqual(windows.map((p) => p.metricWindowSeconds), [60, 10, 60]);
  assert.equal(windows[0].cpuUsageMilli, 500);
  assert.equal(windows[0].metricTimestamp, 1100);
});
