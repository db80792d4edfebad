import assert from "node:assert/strict";
import { batchTimes, measureCalibration, type Timed } from "./measure_calibration.ts";

const answer = (batchSize: number, inferenceMs: number): Timed => ({
  batchSize,
  inferenceMs,
  decodeMs: 1,
});

Deno.test("batchTimes: one sample per batch, filed under the size the replica reports", () => {
  // a burst of 1 + 3 to an idle replica: the leader alone, then the three together
  const burst = [answer(1, 20), answer(3, 61), answer(3, 61), answer(3, 61)];
  assert.deepEqual(batchTimes(burst), [[1, 0.02], [3, 0.061]]);
  // a burst of 4 whose first request ran alone: sizes 1 and 3, not one batch of 4
  assert.deepEqual(
    batchTimes([answer(1, 21), answer(3, 60), answer(3, 60), answer(3, 60)]).map(([s]) => s),
    [1, 3],
  );
  // two batches of 2 that happened to take the same time are two samples
  assert.deepEqual(batchTimes([answer(2, 30), answer(2, 30), answer(2, 30), answer(2, 30)]), [
    [2, 0.03],
    [2, 0.03],
  ]);
  assert.deepEqual(batchTimes([]), []);
});

Deno.test("measureCalibration on the real replica: batches, per-request CPU and a shared host", async () => {
  const lines: string[] = [];
  const c = await measureCalibration({
    rounds: 3,
    batchSizes: [1, 2],
    throughputThreads: [],
    progress: (line) => lines.push(line),
  });
  assert.ok(c.batches.some((b) => b.size === 1), JSON.stringify(c.batches));
  for (const b of c.batches) assert.ok(b.meanSeconds! > 0);
  assert.ok(c.requestCpuSeconds! >= 0 && c.requestCpuSeconds! < 1, `${c.requestCpuSeconds}`);
  assert.equal(c.host?.cores, navigator.hardwareConcurrency);
  assert.ok(c.host!.startupCores > 0, `${c.host!.startupCores}`);
  assert.ok(c.startup.medianSeconds > 0);
  assert.ok(lines.some((l) => /slows its batches ×/.test(l)), lines.join("\n"));
});
