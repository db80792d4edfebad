import assert from "node:assert/strict";
import {
  liveColumns,
  liveRun,
  outcome,
  parseRequestsCsv,
  quantile,
  replicaColumns,
} from "./live_series.ts";

const HEADER = "index,scheduled_ms,sent_ms,done_ms,status,latency_ms,uncorrected_ms,replica,error";

// 4 seconds: second 0 fast, second 1 one late, second 2 a 429 and a dropped one, second 3 a 504
const CSV = [
  HEADER,
  "0,100.000,100.500,150.000,200,50.000,49.500,r1,",
  "1,600.000,600.100,700.000,200,100.000,99.900,r1,",
  "2,1100.000,1100.100,1900.000,200,800.000,799.900,r1,",
  "3,1500.000,1500.100,1600.000,200,100.000,99.900,r2,",
  "4,2100.000,2100.100,2110.000,429,10.000,9.900,,queue full",
  "5,2200.000,,,0,,,,dropped",
  "6,3100.000,3100.100,33100.000,504,30000.000,29999.900,,deadline",
].join("\n") + "\n";

Deno.test("parseRequestsCsv", async (t) => {
  await t.step("reads every line", () => {
    const rs = parseRequestsCsv(CSV);
    assert.equal(rs.length, 7);
    assert.deepEqual(rs[0], { scheduledMs: 100, status: 200, latencyMs: 50, dropped: false });
    assert.deepEqual(rs[5], { scheduledMs: 2200, status: 0, latencyMs: null, dropped: true });
  });
  await t.step("names a missing column", () => {
    assert.throws(() => parseRequestsCsv("index,status\n1,200\n"), /no column scheduled_ms/);
  });
  await t.step("names a bad line", () => {
    assert.throws(
      () => parseRequestsCsv(`${HEADER}\nx,abc,,,200,,,,\n`),
      /line 2: bad scheduled_ms/,
    );
  });
  await t.step("empty file", () => assert.throws(() => parseRequestsCsv(""), /empty/));
});

Deno.test("outcome", async (t) => {
  const cases: [string, Parameters<typeof outcome>[0], string][] = [
    ["200 served", { scheduledMs: 0, status: 200, latencyMs: 5, dropped: false }, "served"],
    ["429 rejected", { scheduledMs: 0, status: 429, latencyMs: 5, dropped: false }, "rejected"],
    ["503 rejected", { scheduledMs: 0, status: 503, latencyMs: 5, dropped: false }, "rejected"],
    ["dropped", { scheduledMs: 0, status: 0, latencyMs: null, dropped: true }, "rejected"],
    ["504 failed", { scheduledMs: 0, status: 504, latencyMs: 5, dropped: false }, "failed"],
    ["connection error", { scheduledMs: 0, status: 0, latencyMs: null, dropped: false }, "failed"],
  ];
  for (const [name, r, want] of cases) await t.step(name, () => assert.equal(outcome(r), want));
});

Deno.test("quantile", async (t) => {
  await t.step("nearest rank", () => assert.equal(quantile([1, 2, 3, 4], 0.5), 2));
  await t.step("top", () => assert.equal(quantile([1, 2, 3, 4], 0.99), 4));
  await t.step("empty is NaN", () => assert.ok(Number.isNaN(quantile([], 0.5))));
});

Deno.test("liveColumns", async (t) => {
  const cols = liveColumns(parseRequestsCsv(CSV), { seconds: 4, sloSeconds: 0.5 });
  await t.step("offered by scheduled second", () => assert.deepEqual(cols.offered, [2, 2, 2, 1]));
  await t.step("served", () => assert.deepEqual(cols.served, [2, 2, 0, 0]));
  await t.step("late", () => assert.deepEqual(cols.late, [0, 1, 0, 0]));
  await t.step("rejected", () => assert.deepEqual(cols.rejected, [0, 0, 2, 0]));
  await t.step("failed", () => assert.deepEqual(cols.failed, [0, 0, 0, 1]));
  await t.step("p95 per second", () => assert.deepEqual(cols.p95, [0.1, 0.8, null, null]));
  await t.step("late arrivals go to the last second", () => {
    const c = liveColumns([{ scheduledMs: 9000, status: 200, latencyMs: 1, dropped: false }], {
      seconds: 2,
      sloSeconds: 0.5,
    });
    assert.deepEqual(c.offered, [0, 1]);
  });
});

Deno.test("replicaColumns", async (t) => {
  await t.step("holds the last sample, fills gaps", () => {
    const r = replicaColumns([
      { second: 0, pods: 1, desired: 1, ready: 1 },
      { second: 2, pods: 3, desired: 3, ready: 1 },
    ], 4);
    assert.deepEqual(r.pods, [1, 1, 3, 3]);
    assert.deepEqual(r.desired, [1, 1, 3, 3]);
    assert.deepEqual(r.ready, [1, 1, 1, 1]);
  });
  await t.step("samples before second 0 (alignment) count from 0", () => {
    const r = replicaColumns([
      { second: -2, pods: 2, desired: 2, ready: 2 },
      { second: 1, pods: 1, desired: 1, ready: 1 },
    ], 3);
    assert.deepEqual(r.pods, [2, 1, 1]);
  });
  await t.step("no samples is zeros", () => assert.deepEqual(replicaColumns([], 2).pods, [0, 0]));
});

Deno.test("liveRun", async (t) => {
  const samples = [
    { second: 0, pods: 1, desired: 1, ready: 1 },
    { second: 1, pods: 2, desired: 2, ready: 1 },
    { second: 2, pods: 2, desired: 1, ready: 2 },
    { second: 3, pods: 1, desired: 1, ready: 1 },
  ];
  const { series, summary } = liveRun(parseRequestsCsv(CSV), samples, {
    seconds: 4,
    sloSeconds: 0.5,
    steps: [1],
    oracleReplicaSeconds: 4,
    holdSeconds: 1,
  });
  await t.step("series have one value per second", () => {
    for (const [k, v] of Object.entries(series)) assert.equal(v.length, 4, k);
  });
  await t.step("violations: late + failed + rejected over ended", () => {
    assert.equal(summary.violationsPercent, (100 * 4) / 7);
    assert.equal(summary.late, 1);
    assert.equal(summary.failed, 1);
    assert.equal(summary.rejected, 2);
    assert.equal(summary.arrivals, 7);
  });
  await t.step("percentiles of served latencies", () => {
    assert.equal(summary.p50, 0.1);
    assert.equal(summary.p99, 0.8);
  });
  await t.step("cost, ratio, mean", () => {
    assert.equal(summary.replicaSeconds, 6);
    assert.equal(summary.costRatio, 1.5);
    assert.equal(summary.meanReplicas, 1.5);
  });
  await t.step("actions and oscillations from the target", () => {
    assert.equal(summary.scalingActions, 2);
    assert.equal(summary.oscillations, 1);
  });
  await t.step("recovery after the step (second 1 bad, 2 bad, 3 bad)", () => {
    assert.deepEqual(summary.recoverySeconds, [null]);
  });
  await t.step("no oracle, no ratio", () => {
    const r = liveRun([], [], { seconds: 2, sloSeconds: 0.5 });
    assert.equal(r.summary.costRatio, null);
    assert.equal(r.summary.violationsPercent, 0);
  });
});
