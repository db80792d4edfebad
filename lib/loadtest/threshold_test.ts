import assert from "node:assert/strict";
import { createRecorder } from "./recorder.ts";
import { buildSummary } from "./summary.ts";
import { evaluateThresholds, parseThreshold } from "./threshold.ts";
import { formatMs, formatSummary } from "./report.ts";
import { requestLine, secondsCsv } from "./output.ts";

Deno.test("parseThreshold", async (t) => {
  const ok: [string, string, string, number][] = [
    ["p95<500ms", "p95", "<", 500],
    ["p99.9 <= 2s", "p99.9", "<=", 2000],
    ["p50<800us", "p50", "<", 0.8],
    ["mean<20", "mean", "<", 20],
    ["errors<1%", "errors", "<", 0.01],
    ["errors<0.05", "errors", "<", 0.05],
    ["success>=99.5%", "success", ">=", 0.995],
    ["lag_p99<=2ms", "lag_p99", "<=", 2],
    ["uncorrected_p95<1s", "uncorrected_p95", "<", 1000],
    ["throughput>100", "throughput", ">", 100],
  ];
  for (const [text, metric, op, bound] of ok) {
    await t.step(text, () => {
      const th = parseThreshold(text);
      assert.deepEqual([th.metric, th.op, th.bound], [metric, op, bound]);
    });
  }
  const bad: [string, RegExp][] = [
    ["p95 500ms", /must look like p95<500ms/],
    ["p97<1s", /p50, p90, p95, p99 or p99.9: got "p97<1s"/],
    ["p95<5%", /p95 takes us, ms or s/],
    ["errors<5ms", /errors takes % or a fraction/],
    ["errors<150%", /must be ≤ 100%/],
    ["latency<5ms", /threshold metric must be .*got "latency"/],
  ];
  for (const [text, message] of bad) {
    await t.step(`rejects ${text}`, () => assert.throws(() => parseThreshold(text), message));
  }
});

function sampleRun() {
  const recorder = createRecorder({ sloMs: 100 });
  const add = (i: number, scheduled: number, sent: number, done: number, status: number) => {
    recorder.dispatch(i, scheduled, scheduled);
    recorder.record({
      index: i,
      scheduled,
      dispatched: scheduled,
      sent,
      done,
      status,
      replica: "a",
    });
  };
  add(0, 0, 0, 20, 200);
  add(1, 100, 100, 130, 200);
  add(2, 200, 900, 1000, 200); // waited 700 ms for a connection: late by the SLO
  add(3, 1100, 1100, 1110, 503);
  recorder.dispatch(4, 1200, 1201);
  recorder.record({ index: 4, scheduled: 1200, dispatched: 1201, status: 0, error: "dropped" });
  return recorder;
}

Deno.test("recorder, summary and thresholds", async (t) => {
  const recorder = sampleRun();
  const summary = buildSummary(recorder.totals(), {
    endpoint: "http://x/",
    scheduleSeconds: 2,
    wallSeconds: 2,
    sloMs: 100,
    aborted: false,
    config: {},
  });
  await t.step("counts", () => {
    assert.deepEqual(summary.requests, {
      offered: 5,
      sent: 4,
      dropped: 1,
      completed: 4,
      ok: 3,
      errors: 1,
    });
    assert.deepEqual(summary.codes, { "200": 3, "503": 1 });
    assert.deepEqual(summary.errors, { http_503: 1 });
    assert.equal(summary.error_ratio, 0.4);
    assert.equal(summary.dropped_ratio, 0.2);
    assert.deepEqual(summary.slo, { ms: 100, late: 1, violations: 3, violation_ratio: 0.6 });
  });
  await t.step("corrected vs uncorrected", () => {
    assert.ok(Math.abs(summary.latency_ms.corrected.max - 800) < 1);
    assert.ok(Math.abs(summary.latency_ms.uncorrected.max - 100) < 0.1);
    assert.equal(summary.latency_ms.corrected.count, 4);
  });
  await t.step("per-second rows by scheduled second", () => {
    const rows = recorder.seconds();
    assert.deepEqual(rows.map((r) => [r.offered, r.sent, r.dropped, r.ok, r.errors]), [
      [3, 3, 0, 3, 0],
      [2, 1, 1, 0, 1],
    ]);
    assert.equal(rows[0].p50, 30);
    assert.match(
      secondsCsv(rows),
      /^second,offered,sent,dropped,ok,errors,p50_ms,p95_ms,p99_ms\n0,3,3,0,3,0,30.000,/,
    );
  });
  await t.step("threshold verdicts", () => {
    const results = evaluateThresholds(
      ["p50<1s", "errors<1%", "dropped<=20%", "slo_violations<50%", "lag_max<2ms"].map(
        parseThreshold,
      ),
      summary,
    );
    assert.deepEqual(results.map((r) => r.ok), [true, false, true, false, true]);
  });
  await t.step("report mentions codes, errors, drops and verdicts", () => {
    const text = formatSummary(summary, evaluateThresholds([parseThreshold("errors<1%")], summary));
    assert.match(text, /200:3 {2}503:1/);
    assert.match(text, /http_503: 1/);
    assert.match(text, /dropped \(max-inflight\): 1/);
    assert.match(text, /✗ errors<1% \(actual 40.00%\)/);
  });
});

Deno.test("request lines and millisecond formatting", async (t) => {
  await t.step("CSV lines", () => {
    assert.equal(
      requestLine({ index: 7, scheduled: 1, dispatched: 1, status: 0, error: "dropped" }),
      "7,1.000,,,0,,,,dropped\n",
    );
    assert.equal(
      requestLine({
        index: 1,
        scheduled: 0,
        dispatched: 0,
        sent: 1,
        done: 21,
        status: 200,
        replica: 'a,"b',
      }),
      '1,0.000,1.000,21.000,200,21.000,20.000,"a,""b",\n',
    );
  });
  await t.step("formatMs", () => {
    assert.deepEqual([0.5, 23.456, 150, 1250].map(formatMs), [
      "500µs",
      "23.46ms",
      "150.0ms",
      "1.250s",
    ]);
  });
});
