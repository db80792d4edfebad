import assert from "node:assert/strict";
import { parseExposition } from "./text_format.ts";
import {
  extrapolatedRate,
  histogramQuantile,
  type Point,
  quantileOfBucketRates,
  scrapeAll,
  SeriesStore,
  sumBy,
} from "./scraper.ts";

// Expected values follow Prometheus's promql/functions.go (extrapolatedRate) and
// promql/quantile.go (bucketQuantile).

function close(actual: number | undefined, expected: number, what: string) {
  assert.ok(actual !== undefined, `${what}: no value`);
  assert.ok(
    actual === expected || Math.abs(actual - expected) < 1e-9,
    `${what}: expected ${expected}, got ${actual}`,
  );
}

Deno.test("extrapolatedRate", async (t) => {
  const cases: { name: string; points: Point[]; start: number; end: number; want?: number }[] = [
    {
      name: "samples at the window edges: plain slope",
      points: [{ t: 0, v: 0 }, { t: 30, v: 30 }, { t: 60, v: 60 }],
      start: 0,
      end: 60,
      want: 1,
    },
    {
      // sampled 10..50 (40 s, increase 40), gaps of 10 < 1.1·20: extend 10 each side → 60/40
      name: "extrapolated to both edges within 1.1 average gaps",
      points: [{ t: 10, v: 110 }, { t: 30, v: 130 }, { t: 50, v: 150 }],
      start: 0,
      end: 60,
      want: (40 * (60 / 40)) / 60,
    },
    {
      // gap to start 30 ≥ 1.1·10: extend half a gap (5) instead
      name: "far from the start: extend by half an average gap",
      points: [{ t: 30, v: 100 }, { t: 40, v: 110 }, { t: 50, v: 120 }, { t: 60, v: 130 }],
      start: 0,
      end: 60,
      want: (30 * (35 / 30)) / 60,
    },
    {
      // first value 5 with increase 20 over 20 s: zero was crossed 5 s before the first sample
      name: "counter never extrapolated below zero",
      points: [{ t: 20, v: 5 }, { t: 30, v: 15 }, { t: 40, v: 25 }],
      start: 0,
      end: 40,
      want: (20 * (25 / 20)) / 40,
    },
    {
      name: "counter reset adds the value before the reset",
      points: [{ t: 0, v: 50 }, { t: 20, v: 70 }, { t: 40, v: 10 }, { t: 60, v: 30 }],
      start: 0,
      end: 60,
      want: (30 - 50 + 70) / 60,
    },
    { name: "one sample: no value", points: [{ t: 10, v: 1 }], start: 0, end: 60 },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const got = extrapolatedRate(c.points, c.start, c.end);
      if (c.want === undefined) assert.equal(got, undefined);
      else close(got, c.want, c.name);
    });
  }
});

Deno.test("histogramQuantile", async (t) => {
  const b = (pairs: [number, number][]) => pairs.map(([le, count]) => ({ le, count }));
  const cases: {
    name: string;
    q: number;
    buckets: { le: number; count: number }[];
    want: number;
  }[] = [
    {
      name: "linear interpolation inside the bucket",
      q: 0.5,
      buckets: b([[0.1, 0], [0.2, 10], [Infinity, 10]]),
      want: 0.15,
    },
    {
      name: "first bucket interpolates from zero",
      q: 0.5,
      buckets: b([[0.1, 10], [0.2, 10], [Infinity, 10]]),
      want: 0.05,
    },
    {
      name: "rank in the +Inf bucket answers the highest finite bound",
      q: 0.95,
      buckets: b([[0.1, 1], [0.2, 2], [Infinity, 10]]),
      want: 0.2,
    },
    { name: "no +Inf bucket: NaN", q: 0.5, buckets: b([[0.1, 1], [0.2, 2]]), want: NaN },
    { name: "no observations: NaN", q: 0.5, buckets: b([[0.1, 0], [Infinity, 0]]), want: NaN },
    {
      name: "non-monotonic counts are made monotonic",
      q: 0.5,
      buckets: b([[0.1, 2], [0.2, 1], [0.4, 8], [Infinity, 8]]),
      want: 0.2 + 0.2 * (2 / 6),
    },
    { name: "q above 1: +Inf", q: 1.5, buckets: b([[1, 1], [Infinity, 1]]), want: Infinity },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const got = histogramQuantile(c.q, c.buckets);
      if (Number.isNaN(c.want)) assert.ok(Number.isNaN(got), `expected NaN, got ${got}`);
      else close(got, c.want, c.name);
    });
  }
});

Deno.test("sumBy and quantileOfBucketRates", async (t) => {
  await t.step("sums across instances per le", () => {
    const v = [
      { labels: { le: "0.1", instance: "a" }, value: 1 },
      { labels: { le: "0.1", instance: "b" }, value: 2 },
      { labels: { le: "+Inf", instance: "a" }, value: 2 },
      { labels: { le: "+Inf", instance: "b" }, value: 2 },
    ];
    assert.deepEqual(sumBy(v, ["le"]), [
      { labels: { le: "0.1" }, value: 3 },
      { labels: { le: "+Inf" }, value: 4 },
    ]);
    close(quantileOfBucketRates(0.5, v), 0.1 * (2 / 3), "p50");
  });
});

Deno.test("parseExposition", async (t) => {
  await t.step("histogram, counter with labels, special values", () => {
    const text = [
      "# TYPE h_seconds histogram",
      'h_seconds_bucket{le="0.5"} 1',
      'h_seconds_bucket{le="+Inf"} 3',
      "h_seconds_sum 1.5",
      "h_seconds_count 3",
      "# TYPE c counter",
      'c{code="200"} 5',
      "# TYPE g gauge",
      "g NaN",
      "# TYPE h gauge",
      "h Nan",
      "",
    ].join("\n");
    const samples = parseExposition(text);
    assert.deepEqual(samples.slice(0, 4), [
      { name: "h_seconds_bucket", labels: { le: "0.5" }, value: 1 },
      { name: "h_seconds_bucket", labels: { le: "+Inf" }, value: 3 },
      { name: "h_seconds_sum", labels: {}, value: 1.5 },
      { name: "h_seconds_count", labels: {}, value: 3 },
    ]);
    assert.deepEqual(samples[4], { name: "c", labels: { code: "200" }, value: 5 });
    assert.ok(Number.isNaN(samples[5].value));
    assert.ok(Number.isNaN(samples[6].value), "prom-client writes Nan");
  });
});

Deno.test("SeriesStore", async (t) => {
  const A = "http://127.0.0.1:7001", B = "http://127.0.0.1:7002";
  const counter = (v: number) => [{ name: "c_total", labels: {}, value: v }];
  await t.step("rate per instance over the window", () => {
    const store = new SeriesStore({ retentionS: 120 });
    for (let s = 0; s <= 60; s += 10) {
      store.ingest(A, counter(s * 2), 1000 + s);
      store.ingest(B, counter(s), 1000 + s);
    }
    const rates = store.rate("c_total", 60, 1060);
    assert.deepEqual(rates.map((r) => [r.labels.instance, r.value]), [
      ["127.0.0.1:7001", 2],
      ["127.0.0.1:7002", 1],
    ]);
  });
  await t.step("a failed scrape makes the target's gauges stale", () => {
    const store = new SeriesStore({ retentionS: 120 });
    store.ingest(A, [{ name: "g", labels: {}, value: 3 }], 10);
    store.ingest(B, [{ name: "g", labels: {}, value: 4 }], 10);
    assert.equal(store.instant("g").length, 2);
    store.failed(B, 20, "connection refused");
    assert.deepEqual(store.instant("g").map((i) => i.value), [3]);
    assert.deepEqual(store.targets().filter((x) => !x.up).map((x) => x.error), [
      "connection refused",
    ]);
  });
  await t.step("old points are pruned past the retention", () => {
    const store = new SeriesStore({ retentionS: 30 });
    store.ingest(A, counter(1), 0);
    store.ingest(A, counter(2), 100);
    assert.equal(store.rate("c_total", 200, 100).length, 0);
  });
  await t.step("scrapeAll forgets targets no longer listed and records failures", async () => {
    const store = new SeriesStore({ retentionS: 60 });
    const fakeFetch = (input: string | URL | Request) => {
      const url = String(input);
      if (url.startsWith(A)) return Promise.resolve(new Response("# TYPE g gauge\ng 7\n"));
      return Promise.reject(new TypeError("connection refused"));
    };
    await scrapeAll(store, [A, B], 1, { timeoutMs: 100, fetch: fakeFetch as typeof fetch });
    const health = store.targets().sort((x, y) => x.instance.localeCompare(y.instance));
    assert.deepEqual(health.map((x) => [x.instance, x.up]), [
      ["127.0.0.1:7001", true],
      ["127.0.0.1:7002", false],
    ]);
    await scrapeAll(store, [A], 2, { timeoutMs: 100, fetch: fakeFetch as typeof fetch });
    assert.deepEqual(store.targets().map((x) => x.instance), ["127.0.0.1:7001"]);
    assert.deepEqual(store.instant("g").map((i) => i.value), [7]);
  });
});
