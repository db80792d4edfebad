import assert from "node:assert/strict";
import { createDecodePool, type ImageDecoder, inProcessDecoder } from "./decode_pool.ts";
import { initJpegCodec } from "../image/mod.ts";
import { IMAGE_FLOATS, loadWorkerModel } from "../model/mod.ts";
import { warmUp } from "./warmup.ts";
import { TensorPool } from "./tensor_pool.ts";

const bytes = await Deno.readFile(new URL("../../models/resnet18.onnx", import.meta.url));

Deno.test("replica warm-up: every worker decodes, the model runs, the pools end up full", async () => {
  await initJpegCodec();
  const maxBatch = 4;
  const tensors = new TensorPool(IMAGE_FLOATS, 4 * maxBatch);
  const batches = new TensorPool(maxBatch * IMAGE_FLOATS, 2);
  const model = await loadWorkerModel(bytes, { backend: "native", threads: 1 }, {
    returnInput: (input) => batches.give(input),
  });
  const pool = createDecodePool(2, { returnBuffer: (t) => tensors.give(t) });
  // count the decodes each path does
  let inlineCalls = 0, pooledCalls = 0;
  const inline: ImageDecoder = (b, o) => (inlineCalls++, inProcessDecoder(b, o));
  const pooled: ImageDecoder = (b, o) => (pooledCalls++, pool.decode(b, o));
  try {
    const count = await warmUp({
      model,
      maxBatch,
      tensors,
      batches,
      inline,
      pool: { decoder: pooled, workers: 2 },
      maxPixels: 40_000_000,
    });
    assert.deepEqual(count, { inline: inlineCalls, pooled: pooledCalls, batches: 2 });
    // 3 rounds of 1 inline + 2 pooled decodes; the other 7 of the 16 tensors are written
    assert.equal(count.inline, 3);
    assert.equal(count.pooled, 6);
    assert.equal(tensors.idle, 4 * maxBatch, "the tensor pool holds all it keeps");
    assert.equal(batches.idle, 2, "both batch buffers came back from the model");
    // the first requests then take warmed buffers: no new one is created
    const created = [tensors.created, batches.created];
    const taken = Array.from({ length: 4 * maxBatch }, () => tensors.take());
    const input = [batches.take(), batches.take()];
    assert.deepEqual([tensors.created, batches.created], created);
    assert.equal(taken.filter((t) => t.some((x) => x !== 0)).length, 9, "9 decoded images");
    assert.ok(input.every((b) => b.some((x) => x !== 0)), "batch buffers were written");
  } finally {
    pool.close();
    await model.release();
  }
});

Deno.test("replica warm-up without decode workers decodes inline only", async () => {
  await initJpegCodec();
  const tensors = new TensorPool(IMAGE_FLOATS, 2);
  const batches = new TensorPool(IMAGE_FLOATS, 1);
  const model = await loadWorkerModel(bytes, { backend: "native", threads: 1 }, {
    returnInput: (input) => batches.give(input),
  });
  try {
    const count = await warmUp({
      model,
      maxBatch: 1,
      tensors,
      batches,
      inline: inProcessDecoder,
      maxPixels: 40_000_000,
    });
    assert.deepEqual(count, { inline: 3, pooled: 0, batches: 1 });
    assert.equal(tensors.idle, 2);
    assert.equal(batches.idle, 1);
  } finally {
    await model.release();
  }
});
