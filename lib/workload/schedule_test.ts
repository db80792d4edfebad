import assert from "node:assert/strict";
import { createRng } from "../shared/mod.ts";
import {
  arrivalsInSecond,
  buildSchedule,
  countsFromRates,
  cutSeconds,
  parseRateList,
  planWorkload,
  resampleToSeconds,
  scaleSeries,
} from "./schedule.ts";

function near(actual: number[], expected: number[], tolerance = 1e-9): void {
  assert.equal(actual.length, expected.length, `length of ${actual} vs ${expected}`);
  actual.forEach((a, i) =>
    assert.ok(Math.abs(a - expected[i]) <= tolerance, `entry ${i}: ${a} vs ${expected[i]}`)
  );
}

/** Kolmogorov–Smirnov statistic of samples against a continuous CDF. */
function ksStatistic(samples: number[], cdf: (x: number) => number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  let d = 0;
  sorted.forEach((x, i) => {
    const f = cdf(x);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  });
  return d;
}

/** KS critical value at α = 0.01 for large n. */
const ksCritical = (n: number) => 1.628 / Math.sqrt(n);

Deno.test("parseRateList", async (t) => {
  const ok: [string, string, number[]][] = [
    ["commas", "5,5,10", [5, 5, 10]],
    ["spaces and commas", " 1, 2  3 ", [1, 2, 3]],
    ["zero seconds", "0,4,0", [0, 4, 0]],
    ["fractions", "0.5,1.5", [0.5, 1.5]],
  ];
  for (const [name, text, expected] of ok) {
    await t.step(name, () => assert.deepEqual(parseRateList(text), expected));
  }
  const bad: [string, string, RegExp][] = [
    ["empty", "", /at least one rate/],
    ["negative", "5,-1", /entry 2 must be a rate ≥ 0: got "-1"/],
    ["not a number", "5,x", /entry 2 .*"x"/],
    ["infinite", "Infinity", /entry 1/],
  ];
  for (const [name, text, message] of bad) {
    await t.step(`rejects ${name}`, () => assert.throws(() => parseRateList(text), message));
  }
});

Deno.test("scaleSeries", async (t) => {
  await t.step("rate scale multiplies rates", () => {
    assert.deepEqual(scaleSeries({ stepSeconds: 1, rates: [2, 4] }, { rateScale: 0.5 }), {
      stepSeconds: 1,
      rates: [1, 2],
    });
  });
  await t.step("time scale multiplies the step, not the rates", () => {
    assert.deepEqual(scaleSeries({ stepSeconds: 300, rates: [2] }, { timeScale: 0.01 }), {
      stepSeconds: 3,
      rates: [2],
    });
  });
  await t.step("rejects a zero time scale", () => {
    assert.throws(
      () => scaleSeries({ stepSeconds: 1, rates: [1] }, { timeScale: 0 }),
      /> 0: got 0/,
    );
  });
  await t.step("rejects a negative rate scale", () => {
    assert.throws(() => scaleSeries({ stepSeconds: 1, rates: [1] }, { rateScale: -2 }), /got -2/);
  });
});

Deno.test("resampleToSeconds", async (t) => {
  const cases: [string, number, number[], number[]][] = [
    ["1-second steps pass through", 1, [5, 0, 7], [5, 0, 7]],
    ["2-second steps repeat", 2, [5, 10], [5, 5, 10, 10]],
    ["half-second steps integrate", 0.5, [4, 8, 2, 2], [6, 2]],
    ["partial last bin", 1.5, [2, 2], [2, 2, 2]],
    ["300-second steps", 300, [1], new Array(300).fill(1)],
    ["1.5 s steps split bins", 1.5, [2, 4], [2, 1 + 2, 4]],
  ];
  for (const [name, step, rates, expected] of cases) {
    await t.step(name, () => near(resampleToSeconds({ stepSeconds: step, rates }), expected));
  }
  await t.step("total requests are preserved", () => {
    const series = { stepSeconds: 0.7, rates: [3, 9, 1, 0, 4] };
    const total = series.rates.reduce((a, r) => a + r * 0.7, 0);
    const sum = resampleToSeconds(series).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - total) < 1e-9, `${sum} vs ${total}`);
  });
});

Deno.test("countsFromRates", async (t) => {
  const cases: [string, number[], number[]][] = [
    ["integers unchanged", [5, 0, 7], [5, 0, 7]],
    ["half a request per second alternates", [0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0]],
    ["carry keeps the total", [1.4, 1.4, 1.4, 1.4, 1.4], [1, 2, 1, 2, 1]],
    ["tiny rates accumulate", [0.1, 0.1, 0.1, 0.1, 0.1, 0.1], [0, 0, 0, 0, 1, 0]],
    ["float noise does not lose a request", [0.1 + 0.2, 0.7], [0, 1]],
  ];
  for (const [name, rates, expected] of cases) {
    await t.step(name, () => assert.deepEqual(countsFromRates(rates), expected));
  }
  await t.step("every second within 1 of its rate", () => {
    const rng = createRng(3);
    const rates = Array.from({ length: 500 }, () => rng.uniform() * 20);
    const counts = countsFromRates(rates);
    counts.forEach((c, i) => assert.ok(Math.abs(c - rates[i]) < 1, `second ${i}`));
    const total = rates.reduce((a, b) => a + b, 0);
    assert.equal(counts.reduce((a, b) => a + b, 0), Math.round(total));
  });
  await t.step("rejects a negative rate", () => {
    assert.throws(() => countsFromRates([1, -1]), /rate 1 must be ≥ 0: got -1/);
  });
});

Deno.test("cutSeconds and planWorkload", async (t) => {
  await t.step("duration keeps the first seconds", () => {
    assert.deepEqual(cutSeconds([1, 2, 3], 2), [1, 2]);
  });
  await t.step("no duration keeps all", () => assert.deepEqual(cutSeconds([1, 2, 3]), [1, 2, 3]));
  await t.step("rejects a fractional duration", () => {
    assert.throws(() => cutSeconds([1], 1.5), /whole number of seconds ≥ 1: got 1.5/);
  });
  await t.step("NAB-like series: 5-minute counts, compressed 100× and scaled", () => {
    // 300 requests per 5 minutes = 1/s; time ×0.01 → 3-s steps; rate ×2.5 → 2.5/s.
    const counts = planWorkload({ stepSeconds: 300, rates: [1, 2] }, {
      timeScale: 0.01,
      rateScale: 2.5,
    });
    assert.deepEqual(counts, [3, 2, 3, 5, 5, 5]);
  });
  await t.step("duration cuts after scaling", () => {
    assert.deepEqual(planWorkload({ stepSeconds: 1, rates: [5, 5, 10] }, { durationSeconds: 2 }), [
      5,
      5,
    ]);
  });
});

Deno.test("arrivalsInSecond", async (t) => {
  await t.step("uniform is evenly spaced from the start of the second", () => {
    assert.deepEqual(arrivalsInSecond(4, "uniform", createRng(1)), [0, 0.25, 0.5, 0.75]);
  });
  await t.step("zero arrivals", () => {
    assert.deepEqual(arrivalsInSecond(0, "poisson", createRng(1)), []);
  });
  await t.step("poisson offsets are sorted and inside [0, 1)", () => {
    const rng = createRng(9);
    for (const n of [1, 2, 7, 100, 2000]) {
      const offsets = arrivalsInSecond(n, "poisson", rng);
      assert.equal(offsets.length, n);
      offsets.forEach((o, i) => {
        assert.ok(o >= 0 && o < 1, `offset ${o}`);
        if (i) assert.ok(o >= offsets[i - 1], `unsorted at ${i}`);
      });
    }
  });
  await t.step("poisson offsets are uniform within the second (KS)", () => {
    const rng = createRng(11);
    const offsets = Array.from({ length: 400 }, () => arrivalsInSecond(25, "poisson", rng)).flat();
    const d = ksStatistic(offsets, (x) => x);
    assert.ok(d < ksCritical(offsets.length), `KS D = ${d}`);
  });
  await t.step("rejects a fractional count", () => {
    assert.throws(() => arrivalsInSecond(2.5, "poisson", createRng(1)), /got 2.5/);
  });
});

Deno.test("buildSchedule", async (t) => {
  const counts = [7, 0, 3, 12, 1, 0, 0, 40];
  await t.step("counts per second are exact", () => {
    for (const mode of ["poisson", "uniform"] as const) {
      const schedule = buildSchedule(counts, { mode, rng: createRng(5) });
      const seen = new Array(counts.length).fill(0);
      for (const t of schedule) seen[Math.floor(t)]++;
      assert.deepEqual(seen, counts, mode);
    }
  });
  await t.step("sorted", () => {
    const schedule = buildSchedule(counts, { mode: "poisson", rng: createRng(5) });
    for (let i = 1; i < schedule.length; i++) assert.ok(schedule[i] >= schedule[i - 1]);
  });
  await t.step("same seed same schedule, other seed other schedule", () => {
    const a = buildSchedule(counts, { mode: "poisson", rng: createRng(5) });
    const b = buildSchedule(counts, { mode: "poisson", rng: createRng(5) });
    const c = buildSchedule(counts, { mode: "poisson", rng: createRng(6) });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });
  await t.step("poisson gaps are exponential with mean 1/rate (KS, seed 42)", () => {
    const rate = 50;
    const schedule = buildSchedule(new Array(200).fill(rate), {
      mode: "poisson",
      rng: createRng(42),
    });
    const gaps = Array.from(schedule.subarray(1), (t, i) => t - schedule[i]);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    assert.ok(Math.abs(mean - 1 / rate) < 0.001, `mean gap ${mean}`);
    const d = ksStatistic(gaps, (x) => 1 - Math.exp(-rate * x));
    assert.ok(d < ksCritical(gaps.length), `KS D = ${d} ≥ ${ksCritical(gaps.length)}`);
  });
  await t.step("the same KS test rejects uniform gaps (the test can fail)", () => {
    const rate = 50;
    const schedule = buildSchedule(new Array(200).fill(rate), {
      mode: "uniform",
      rng: createRng(42),
    });
    const gaps = Array.from(schedule.subarray(1), (t, i) => t - schedule[i]);
    const d = ksStatistic(gaps, (x) => 1 - Math.exp(-rate * x));
    assert.ok(d > ksCritical(gaps.length), `KS D = ${d}`);
  });
});
