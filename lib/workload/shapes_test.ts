import assert from "node:assert/strict";
import { createRng } from "../shared/mod.ts";
import { parseShape, shapeRates } from "./shapes.ts";

Deno.test("parseShape", async (t) => {
  const ok: [string, string, Record<string, number>][] = [
    ["constant", "constant:rate=20", { rate: 20 }],
    ["step with default at", "step:from=1,to=9", { from: 1, to: 9 }],
    ["ramp", "ramp:from=0,to=100", { from: 0, to: 100 }],
    ["sine defaults", "sine:mean=50,amplitude=30", {
      mean: 50,
      amplitude: 30,
      period: 60,
      phase: 0,
    }],
    ["spike with spaces", "spike: base=5, peak=50, at=3, width=2", {
      base: 5,
      peak: 50,
      at: 3,
      width: 2,
    }],
    ["bursty defaults", "bursty:base=1,peak=10", { base: 1, peak: 10, on: 5, off: 30 }],
  ];
  for (const [name, text, params] of ok) {
    await t.step(name, () => assert.deepEqual(parseShape(text).params, params));
  }
  const bad: [string, string, RegExp][] = [
    [
      "unknown shape",
      "square:rate=1",
      /one of constant\|step\|ramp\|sine\|spike\|bursty: got "square"/,
    ],
    ["missing required", "constant", /constant needs rate=NUMBER/],
    ["unknown key", "ramp:from=1,to=2,slope=3", /no parameter "slope"; it takes from, to/],
    ["not a number", "constant:rate=fast", /rate must be a finite number: got "rate=fast"/],
    ["no value", "constant:rate", /got "rate"/],
    ["zero period", "sine:mean=1,amplitude=1,period=0", /period must be a number > 0/],
  ];
  for (const [name, text, message] of bad) {
    await t.step(`rejects ${name}`, () => assert.throws(() => parseShape(text), message));
  }
});

Deno.test("shapeRates", async (t) => {
  const rng = () => createRng(1);
  const cases: [string, string, number, number[]][] = [
    ["constant", "constant:rate=3", 3, [3, 3, 3]],
    ["step at the middle", "step:from=1,to=5", 4, [1, 1, 5, 5]],
    ["step at 1", "step:from=1,to=5,at=1", 3, [1, 5, 5]],
    ["ramp midpoints", "ramp:from=0,to=40", 4, [5, 15, 25, 35]],
    ["spike", "spike:base=2,peak=20,at=1,width=2", 5, [2, 20, 20, 2, 2]],
    ["sine clamps at zero", "sine:mean=0,amplitude=10,period=4,phase=-0.5", 4, [0, 10, 0, 0]],
  ];
  for (const [name, text, duration, expected] of cases) {
    await t.step(name, () => {
      const got = shapeRates(parseShape(text), duration, rng());
      assert.equal(got.length, expected.length);
      got.forEach((g, i) => assert.ok(Math.abs(g - expected[i]) < 1e-9, `${i}: ${got}`));
    });
  }
  await t.step("bursty alternates base and peak, seeded", () => {
    const spec = parseShape("bursty:base=1,peak=10,on=5,off=10");
    const a = shapeRates(spec, 600, createRng(7));
    assert.deepEqual(a, shapeRates(spec, 600, createRng(7)));
    assert.notDeepEqual(a, shapeRates(spec, 600, createRng(8)));
    assert.ok(a.every((r) => r === 1 || r === 10));
    const burstShare = a.filter((r) => r === 10).length / a.length;
    assert.ok(burstShare > 0.15 && burstShare < 0.55, `burst share ${burstShare}`);
  });
  await t.step("rejects a fractional duration", () => {
    assert.throws(() => shapeRates(parseShape("constant:rate=1"), 2.5, rng()), /got 2.5/);
  });
});
