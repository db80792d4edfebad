import assert from "node:assert/strict";
import { buildScenario, loadScenario, SCENARIO_NAMES, scenarioTraceFile } from "./scenarios.ts";

const sum = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0);

Deno.test("buildScenario synthetic shapes", async (t) => {
  const cases: {
    name: "step" | "spike" | "diurnal" | "ramp";
    seconds: number;
    at: [number, number][];
    steps: number[];
  }[] = [
    {
      name: "step",
      seconds: 3600,
      at: [[0, 1000], [900, 3000], [2699, 3000], [2700, 1000]],
      steps: [900],
    },
    {
      name: "spike",
      seconds: 3600,
      at: [[0, 1500], [1800, 4500], [1919, 4500], [1920, 1500]],
      steps: [1800],
    },
    { name: "diurnal", seconds: 7200, at: [[0, 500], [3600, 3500]], steps: [] },
    { name: "ramp", seconds: 3600, at: [[0, 500], [3599, 4500]], steps: [] },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const s = buildScenario(c.name, { warmupSeconds: 0 });
      assert.equal(s.counts.length, c.seconds);
      assert.deepEqual(s.steps, c.steps);
      for (const [k, rate] of c.at) {
        assert.ok(Math.abs(s.rates[k] - rate) < 2, `${k}: ${s.rates[k]}`);
      }
      assert.ok(Math.abs(sum(s.counts) - sum(s.rates)) <= 1);
      assert.equal(s.maxReplicas, 1000);
    });
  }
  await t.step("scale multiplies rates and a duration cuts", () => {
    const s = buildScenario("step", { scale: 0.1, durationSeconds: 1000, warmupSeconds: 0 });
    assert.equal(s.counts.length, 1000);
    assert.equal(s.counts[0], 100);
    assert.equal(s.counts[950], 300);
    assert.match(s.description, /× 0.1/);
  });
  await t.step("a warm-up at the first minute's mean rate comes first; steps move with it", () => {
    const s = buildScenario("ramp", { scale: 0.1, durationSeconds: 600 });
    assert.equal(s.warmupSeconds, 300);
    assert.equal(s.counts.length, 900);
    const firstMinute = Array.from(s.rates.slice(300, 360)).reduce((a, b) => a + b, 0) / 60;
    assert.ok(Math.abs(s.rates[0] - firstMinute) < 1e-9 && s.rates[299] === s.rates[0]);
    assert.deepEqual(buildScenario("step", { warmupSeconds: 120 }).steps, [1020]);
  });
});

Deno.test("buildScenario traces", async (t) => {
  const cases: [typeof SCENARIO_NAMES[number], number, number][] = [
    ["azure-code", 1500, 3436],
    ["azure-conv", 2000, 3502],
    ["nab-elb", 1500, 7200],
    ["nab-twitter", 1500, 7200],
  ];
  for (const [name, mean, seconds] of cases) {
    await t.step(`${name}: mean ${mean} req/s over ${seconds} s`, async () => {
      const s = await loadScenario(name, { scale: 0.01, warmupSeconds: 0 });
      assert.equal(s.counts.length, seconds);
      assert.ok(Math.abs(sum(s.rates) / seconds - mean * 0.01) < 1e-6 * mean);
      assert.ok(Math.abs(sum(s.counts) - sum(s.rates)) <= 1);
      assert.deepEqual(s.steps, []);
    });
  }
  await t.step("a trace scenario without its text throws", () => {
    assert.throws(
      () => buildScenario("nab-elb"),
      /needs the text of traces\/nab_aws_elb_request_count.csv/,
    );
  });
  await t.step("the trace file names", () => {
    assert.equal(scenarioTraceFile("azure-code"), "azure_llm_2023_code.csv");
    assert.equal(scenarioTraceFile("step"), undefined);
  });
  await t.step("loadScenario reads through the injected reader", async () => {
    const read = (path: string) => {
      assert.equal(path, "x/azure_llm_2023_conv.csv");
      return Promise.resolve("timestamp,a\n0,1\n1,1\n2,1\n3,1\n");
    };
    const s = await loadScenario("azure-conv", {
      tracesDir: "x",
      readTextFile: read,
      warmupSeconds: 0,
    });
    assert.deepEqual(s.counts, [2000, 2000, 2000, 2000]);
  });
});

Deno.test("buildScenario rejects bad input", async (t) => {
  const cases: [string, () => unknown, RegExp][] = [
    ["unknown name", () => buildScenario("nope" as "step"), /scenario must be one of step, spike/],
    [
      "zero scale",
      () => buildScenario("step", { scale: 0 }),
      /scale must be a finite number > 0: got 0/,
    ],
  ];
  for (const [name, f, message] of cases) await t.step(name, () => assert.throws(f, message));
});
