import assert from "node:assert/strict";
import { compressScenario, isSyntheticScenario, liveShape } from "./live_scenarios.ts";
import { buildScenario } from "../sim/mod.ts";

const max = (xs: number[]) => Math.max(...xs);
const min = (xs: number[]) => Math.min(...xs);

Deno.test("liveShape", async (t) => {
  const cases: { name: string; first: number; peak: number; steps: number[] }[] = [
    { name: "step", first: 5, peak: 20, steps: [15] },
    { name: "spike", first: 5, peak: 20, steps: [20] },
    { name: "ramp", first: 2, peak: 19.85, steps: [] }, // the last second is just below
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const s = liveShape(c.name, 60, 20);
      assert.equal(s.rates.length, 60);
      assert.equal(s.counts.length, 60);
      assert.ok(Math.abs(s.rates[0] - c.first) < 0.5, `first ${s.rates[0]}`);
      assert.ok(Math.abs(max(s.rates) - c.peak) < 1e-9, `peak ${max(s.rates)}`);
      assert.deepEqual(s.steps, c.steps);
      const total = s.rates.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(s.counts.reduce((a, b) => a + b, 0) - total) <= 1);
    });
  }
  await t.step("step comes back down", () => {
    const s = liveShape("step", 60, 20);
    assert.equal(s.rates[50], 5);
  });
  await t.step("diurnal stays between 0.1 P and P", () => {
    const s = liveShape("diurnal", 100, 20);
    assert.ok(min(s.rates) >= 2 - 1e-6 && max(s.rates) <= 20 + 1e-6);
  });
  await t.step("trace names are refused", () => {
    assert.throws(() => liveShape("nab-elb", 60, 20), /must be one of step, spike/);
  });
  await t.step("bad duration", () => {
    assert.throws(() => liveShape("step", 5, 20), /duration must be .* ≥ 10: got 5/);
  });
  await t.step("bad peak", () => {
    assert.throws(() => liveShape("step", 60, 0), /peak rate must be .*: got 0/);
  });
});

Deno.test("isSyntheticScenario", async (t) => {
  for (const [name, want] of [["spike", true], ["diurnal", true], ["azure-code", false]] as const) {
    await t.step(name, () => assert.equal(isSyntheticScenario(name), want));
  }
});

Deno.test("compressScenario", async (t) => {
  const cluster = buildScenario("step", { warmupSeconds: 300 });
  const s = compressScenario(cluster, 60, 30);
  await t.step("duration and peak", () => {
    assert.equal(s.rates.length, 60);
    assert.ok(Math.abs(max(s.rates) - 30) < 1e-9);
  });
  await t.step("warm-up left out, shape kept (1,000 → 3,000 is 10 → 30)", () => {
    assert.ok(Math.abs(s.rates[0] - 10) < 1e-6, `first ${s.rates[0]}`);
  });
  await t.step("steps mapped to compressed seconds", () => assert.deepEqual(s.steps, [15]));
  await t.step("shorter than the duration is kept as is", () => {
    const short = buildScenario("step", { warmupSeconds: 0, durationSeconds: 30 });
    assert.equal(compressScenario(short, 60, 30).rates.length, 30);
  });
});
