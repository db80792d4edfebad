import assert from "node:assert/strict";
import { CPA_DEFAULTS } from "./cpa.ts";
import { burstMargin, estimateLoad, type RateInterval } from "./cpa_load.ts";

Deno.test("estimateLoad", async (t) => {
  const exact = { ...CPA_DEFAULTS, recentBlend: 0, forecastSeconds: 0, burstDeviations: 0 };
  // windowed rates (60 s) every 15 s of a load that is 100 req/s, 400 from 15 s, 200 from 60 s
  const windowed = [[0, 100], [15, 100], [30, 175], [45, 250], [60, 325], [75, 350], [90, 300]];
  await t.step("exact counters: the interval rates come out exactly", () => {
    let prev = {
      updatedAt: null as number | null,
      arrivalRate: null as number | null,
      intervals: [] as RateInterval[],
    };
    const recent = windowed.map(([now, rate]) => {
      const e = estimateLoad(exact, prev, now, rate);
      prev = { updatedAt: now, arrivalRate: rate, intervals: e.intervals };
      return e.recent;
    });
    assert.deepEqual(recent, [100, 100, 400, 400, 400, 200, 200]);
  });
  await t.step("recentBlend 1 is the windowed rate itself", () => {
    let prev = {
      updatedAt: null as number | null,
      arrivalRate: null as number | null,
      intervals: [] as RateInterval[],
    };
    for (const [now, rate] of windowed) {
      const e = estimateLoad({ ...exact, recentBlend: 1 }, prev, now, rate);
      assert.equal(e.recent, rate);
      prev = { updatedAt: now, arrivalRate: rate, intervals: e.intervals };
    }
  });
  await t.step("the recent rate is at most the window's arrivals within the interval", () => {
    const prev = { updatedAt: 0, arrivalRate: 100, intervals: [{ at: 0, span: 60, rate: 100 }] };
    assert.equal(estimateLoad(exact, prev, 15, 10).recent, 0); // (600 − 4500) / 15 < 0 → 0
    assert.equal(estimateLoad(exact, prev, 90, 10).recent, 10); // a gap ≥ W: the window itself
  });
  await t.step("keeps the intervals of the longer of the rate window and the look-back", () => {
    let prev = {
      updatedAt: null as number | null,
      arrivalRate: null as number | null,
      intervals: [] as RateInterval[],
    };
    for (let now = 0; now <= 600; now += 15) {
      const e = estimateLoad(exact, prev, now, 100);
      prev = { updatedAt: now, arrivalRate: 100, intervals: e.intervals };
    }
    assert.deepEqual(
      prev.intervals.map((iv) => iv.at),
      Array.from({ length: 20 }, (_, i) => 315 + 15 * i),
    );
  });
});

Deno.test("burstMargin", async (t) => {
  const spec = { burstWindowSeconds: 300, burstDeviations: 1 };
  const series = (rates: number[]): RateInterval[] =>
    rates.map((rate, i) => ({ at: 15 * (i + 1), span: 15, rate }));
  const cases: [string, number[], number][] = [
    ["flat load: no margin", new Array(20).fill(1000), 0],
    ["one 2,000 req/s step among 20 intervals: 2000 / √20", [
      ...new Array(10).fill(1000),
      ...new Array(10).fill(3000),
    ], 2000 / Math.sqrt(20)],
    [
      "bursts every other interval: 19 swings of 1,000 over 20 slots",
      Array.from({ length: 20 }, (_, i) => (i % 2 ? 2000 : 1000)),
      1000 * Math.sqrt(19 / 20),
    ],
    [
      "a look-back not yet filled counts the missing intervals as unchanged",
      [1000, 3000],
      2000 / Math.sqrt(20),
    ],
    ["changes older than the look-back are forgotten", [5000, ...new Array(25).fill(1000)], 0],
  ];
  for (const [name, rates, want] of cases) {
    await t.step(name, () => {
      const intervals = series(rates);
      const got = burstMargin(intervals, intervals.at(-1)!.at, spec);
      assert.ok(Math.abs(got - want) < 1e-9, `${got} vs ${want}`);
    });
  }
  await t.step("scales with burstDeviations; 0 turns it off", () => {
    const intervals = series([1000, 2000, 1000, 2000]);
    const at = intervals.at(-1)!.at;
    assert.equal(burstMargin(intervals, at, { ...spec, burstDeviations: 0 }), 0);
    const one = burstMargin(intervals, at, spec);
    assert.ok(
      Math.abs(burstMargin(intervals, at, { ...spec, burstDeviations: 2 }) - 2 * one) < 1e-9,
    );
  });
});
