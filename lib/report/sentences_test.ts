import assert from "node:assert/strict";
import { dominanceText, settingText, uncoveredText } from "./sentences.ts";

Deno.test("settingText names the knob in words", () => {
  assert.equal(settingText("hpa", "targetCPUUtilizationPercentage", 60), "hpa at a 60% CPU target");
  assert.equal(settingText("cpa", "headroom", 0.3), "cpa with 30% headroom");
  assert.equal(
    settingText("cpa-seed", "targetLatencySeconds", 0.25),
    "cpa-seed at a 250 ms latency target",
  );
  assert.equal(
    settingText("kpa", "targetConcurrencyPerReplica", 4),
    "kpa at 4 requests in flight per replica",
  );
  assert.equal(
    settingText("hpa", "targetCPUUtilizationPercentage", NaN),
    "hpa at its default setting",
  );
  assert.equal(settingText("x", "weird", 2), "x with weird = 2");
});

Deno.test("uncoveredText and dominanceText are sentences, not counts", () => {
  const point = { policy: "hpa", value: 60, violationsPercent: 1.04, replicaSeconds: 31280.4 };
  assert.equal(
    uncoveredText(point, "targetCPUUtilizationPercentage", "cpa"),
    "hpa at a 60% CPU target (1.0% violations at 31,280 replica-seconds) has fewer violations " +
      "than any cpa setting of equal or lower cost.",
  );
  const lost = dominanceText("cpa", "hpa", { dominates: false, uncovered: [point, point] }, "x");
  assert.equal(lost.length, 2);
  assert.ok(lost.every((s) => !/point\(s\)|uncovered/.test(s)));
  assert.match(
    dominanceText("cpa", "kpa", { dominates: true, uncovered: [] }, "x")[0],
    /^Every kpa/,
  );
});
