import assert from "node:assert/strict";
import { IMAGE_FLOATS } from "../model/mod.ts";
import { K8S_CALIBRATION } from "../sim/mod.ts";
import { createEmulatedModel, emulatedLogits, headerOnlyDecoder } from "./emulated.ts";

/** Mean and p95 of a lognormal with this mean and standard deviation. */
function lognormal(mean: number, std: number): { mean: number; p95: number } {
  const s2 = Math.log(1 + (std / mean) ** 2);
  return { mean, p95: Math.exp(Math.log(mean) - s2 / 2 + 1.6449 * Math.sqrt(s2)) };
}

Deno.test("emulated batches take the calibration's service times (1,000 batches)", async () => {
  for (const size of [1, 8]) {
    const slept: number[] = [];
    const model = createEmulatedModel({
      calibration: K8S_CALIBRATION,
      maxBatch: 8,
      classes: 10,
      seed: 7,
      sleep: (ms) => (slept.push(ms / 1000), Promise.resolve()),
    });
    const input = new Float32Array(8 * IMAGE_FLOATS);
    for (let i = 0; i < 1000; i++) await model.run(input, size);
    const timing = K8S_CALIBRATION.batches.find((b) => b.size === size)!;
    const want = lognormal(timing.meanSeconds!, timing.stdSeconds ?? timing.meanSeconds! * 0.1);
    const mean = slept.reduce((a, b) => a + b, 0) / slept.length;
    const p95 = slept.sort((a, b) => a - b)[Math.floor(0.95 * slept.length)];
    assert.ok(Math.abs(mean / want.mean - 1) < 0.05, `size ${size}: mean ${mean} vs ${want.mean}`);
    assert.ok(Math.abs(p95 / want.p95 - 1) < 0.10, `size ${size}: p95 ${p95} vs ${want.p95}`);
    const cpu = slept.reduce((a, b) => a + b, 0) * K8S_CALIBRATION.threads;
    assert.ok(Math.abs(model.cpuSeconds - cpu) < 1e-9, "CPU counts threads × service time");
  }
});

Deno.test("emulated logits depend on the image alone", () => {
  const a = new Float32Array(2 * IMAGE_FLOATS).fill(0.25);
  a.fill(0.75, IMAGE_FLOATS);
  const first = emulatedLogits(a, 2, 1000);
  assert.deepEqual(emulatedLogits(a, 2, 1000), first);
  const top = (i: number) => first.subarray(i * 1000, (i + 1) * 1000).indexOf(10);
  assert.notEqual(top(0), top(1));
});

Deno.test("headerOnlyDecoder checks the header and writes a tensor without decoding", async () => {
  const png = await Deno.readFile("testdata/images/chelsea.png");
  const out = new Float32Array(IMAGE_FLOATS);
  const decoded = await headerOnlyDecoder(png, { maxPixels: 40e6, out });
  assert.equal(decoded.tensor, out);
  assert.deepEqual([decoded.width, decoded.height, decoded.mode], [451, 300, "RGB"]);
  await assert.rejects(
    headerOnlyDecoder(await Deno.readFile("testdata/bad_inputs/bomb_100000x100000.png"), {
      maxPixels: 40e6,
    }),
    /over the 40000000 limit/,
  );
});
