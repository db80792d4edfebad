import assert from "node:assert/strict";
import { parseTimestamp, parseTrace } from "./trace.ts";
import { planWorkload } from "./schedule.ts";

Deno.test("parseTimestamp", async (t) => {
  const cases: [string, string, number][] = [
    ["epoch seconds", "1700000000.5", 1700000000.5],
    ["date time", "1970-01-01 00:01:00", 60],
    ["Azure 7-digit fraction", "1970-01-01 00:00:01.9799600", 1.97996],
    ["ISO with Z", "1970-01-01T00:00:02Z", 2],
    ["offset", "1970-01-01T01:00:00+01:00", 0],
    ["quoted", '"1970-01-01 00:00:03"', 3],
  ];
  for (const [name, text, expected] of cases) {
    await t.step(name, () => assert.ok(Math.abs(parseTimestamp(text) - expected) < 1e-6));
  }
  await t.step("rejects text", () => {
    assert.throws(() => parseTimestamp("yesterday"), /got "yesterday"/);
  });
});

Deno.test("parseTrace", async (t) => {
  const cases: [string, string, string, number, number[]][] = [
    ["counts, no header", "5\n5\n10\n", "counts", 1, [5, 5, 10]],
    ["counts with a one-column header and comments", "rate\n# warm\n1\n0\n2", "counts", 1, [
      1,
      0,
      2,
    ]],
    [
      "per-request timestamps (Azure)",
      "TIMESTAMP,ContextTokens,GeneratedTokens\n" +
      "2023-11-16 18:17:03.9799600,4808,10\n2023-11-16 18:17:04.0319600,3180,8\n" +
      "2023-11-16 18:17:04.9000000,1,1\n2023-11-16 18:17:06.5000000,1,1\n",
      "timestamps",
      1,
      [3, 0, 1],
    ],
    [
      "timestamp,value counts per 5 minutes (NAB)",
      "timestamp,value\n2014-04-10 00:04:00,300.0\n2014-04-10 00:09:00,600\n",
      "intervals",
      300,
      [1, 2],
    ],
    [
      "a missing interval holds the previous value",
      "timestamp,value\n0,60\n60,120\n180,60\n",
      "intervals",
      60,
      [1, 2, 2, 1],
    ],
    ["CRLF line ends", "1\r\n2\r\n", "counts", 1, [1, 2]],
  ];
  for (const [name, text, format, step, rates] of cases) {
    await t.step(name, () => {
      const trace = parseTrace(text);
      assert.equal(trace.format, format);
      assert.equal(trace.stepSeconds, step);
      assert.deepEqual(trace.rates, rates);
    });
  }
  await t.step("values as rates", () => {
    const trace = parseTrace("timestamp,value\n0,7\n300,8\n", { values: "rate" });
    assert.deepEqual(trace.rates, [7, 8]);
  });
  const bad: [string, string, RegExp][] = [
    ["empty", "\n\n", /trace is empty/],
    ["negative count", "1\n-2\n", /line 2 must be a count ≥ 0: got "-2"/],
    ["header without timestamp", "a,b\n1,2\n", /must have a timestamp column/],
    ["bad timestamp", "timestamp,value\nnoon,1\n", /line 2: timestamp must be .*"noon"/],
    ["bad value", "timestamp,value\n0,x\n", /line 2 value must be a number ≥ 0: got "x"/],
    ["missing column", "timestamp,value\n0\n", /line 2 has no column 2/],
    ["header only", "timestamp,value\n", /header but no rows/],
  ];
  for (const [name, text, message] of bad) {
    await t.step(`rejects ${name}`, () => assert.throws(() => parseTrace(text), message));
  }
});

Deno.test("real traces in traces/", async (t) => {
  const files: [string, string, number][] = [
    ["azure_llm_2023_code.csv", "timestamps", 8819],
    ["azure_llm_2023_conv.csv", "timestamps", 19366],
    ["nab_aws_elb_request_count.csv", "intervals", 4032],
    ["nab_twitter_volume_amzn.csv", "intervals", 15831],
  ];
  for (const [file, format, rows] of files) {
    await t.step(file, async () => {
      const text = await Deno.readTextFile(new URL(`../../traces/${file}`, import.meta.url));
      const trace = parseTrace(text);
      assert.equal(trace.format, format);
      const total = trace.rates.reduce((a, r) => a + r * trace.stepSeconds, 0);
      if (format === "timestamps") assert.equal(total, rows);
      else assert.ok(trace.rates.length >= rows, `${trace.rates.length} steps for ${rows} rows`);
      assert.ok(planWorkload(trace, { durationSeconds: 60 }).length === 60);
    });
  }
});
