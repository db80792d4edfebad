import assert from "node:assert/strict";
import { downsample } from "./model.ts";
import { seriesCsv, slug } from "./write.ts";
import { reportFixture } from "../testing/report_fixture.ts";

Deno.test("downsample", async (t) => {
  await t.step("averages rates over windows and keeps the peak p95", () => {
    const input = reportFixture();
    const small = downsample(input, 60);
    assert.equal(small.stepSeconds, 4);
    const run = small.runs[0].series;
    assert.equal(run.offered.length, 60);
    assert.equal(run.offered[0], 20);
    assert.equal(run.offered[59], 60);
    assert.equal(Math.max(...run.p95.map((v) => v ?? 0)), 2.5, "latency peak kept");
    assert.equal(run.p95[0], 0.2, "a window with a gap takes its present values");
    assert.equal(small.oracle!.replicas.length, 60);
  });
  await t.step("short series are left alone", () => {
    const input = reportFixture();
    assert.equal(downsample(input, 10_000), input);
  });
});

Deno.test("seriesCsv", async (t) => {
  await t.step("one row per interval, p95 in ms, empty when absent", () => {
    const csv = seriesCsv(reportFixture().runs[0], 1).trim().split("\n");
    assert.equal(csv[0], "t,offered,served,failed,rejected,replicas,desired,p95_ms");
    assert.equal(csv.length, 241);
    assert.equal(csv[1], "0,20,20,0,0,2,2,");
    assert.equal(csv[2], "1,20,20,0,0,2,2,200.00");
  });
  await t.step("slug makes labels file-safe", () => {
    assert.equal(slug("hpa (target 70%)"), "hpa-target-70");
    assert.equal(slug("***"), "run");
  });
});
