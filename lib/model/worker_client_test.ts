import assert from "node:assert/strict";
import { IMAGE_FLOATS, loadModel } from "./inference.ts";
import { loadWorkerModel } from "./worker_client.ts";

const bytes = await Deno.readFile(new URL("../../models/resnet18.onnx", import.meta.url));
const options = { backend: "native", threads: 1 } as const;

/** Two images of seeded noise, laid end to end. */
function batch(): Float32Array {
  const input = new Float32Array(2 * IMAGE_FLOATS);
  let x = 12345;
  for (let i = 0; i < input.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    input[i] = (x / 2 ** 32) * 4 - 2;
  }
  return input;
}

Deno.test("worker model: the session's logits, the input copied or handed over and back", async () => {
  const local = await loadModel(bytes, options);
  const copying = await loadWorkerModel(bytes, options);
  const returned: Float32Array[] = [];
  const handing = await loadWorkerModel(bytes, options, {
    returnInput: (input) => returned.push(input),
  });
  try {
    const want = await local.run(batch(), 2);
    const kept = batch();
    assert.deepEqual(await copying.run(kept, 2), want);
    assert.equal(kept.length, 2 * IMAGE_FLOATS, "copied: the caller keeps its input");
    assert.equal(returned.length, 0, "a copying model returns nothing");
    const given = batch();
    assert.deepEqual(await handing.run(given, 2), want);
    assert.equal(given.length, 0, "handed over: the caller's array is detached");
    assert.deepEqual(returned.map((r) => r.length), [2 * IMAGE_FLOATS], "and comes back");
    assert.deepEqual(returned[0], batch(), "unchanged");
    const larger = new Float32Array(3 * IMAGE_FLOATS);
    larger.set(batch());
    assert.deepEqual(await handing.run(larger, 2), want, "the model reads the first 2 images");
    assert.equal(larger.length, 0, "a larger whole buffer is handed over too");
    assert.equal(returned[1].length, 3 * IMAGE_FLOATS);
    const shared = new Float32Array(new ArrayBuffer(3 * IMAGE_FLOATS * 4), 0, 2 * IMAGE_FLOATS);
    shared.set(batch());
    assert.deepEqual(await handing.run(shared, 2), want);
    assert.equal(shared.length, 2 * IMAGE_FLOATS, "a view of part of a buffer is copied");
  } finally {
    await Promise.all([local.release(), copying.release(), handing.release()]);
  }
});
