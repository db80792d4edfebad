import assert from "node:assert/strict";
import onnxProto from "onnx-proto";
import { IMAGE_FLOATS, loadModel } from "./inference.ts";
import { buildResNet18 } from "./resnet_onnx.ts";
import { createRng } from "../shared/mod.ts";

const { onnx } = onnxProto;
const bytes = buildResNet18({ seed: 0 });

function randomImages(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(n * IMAGE_FLOATS);
  for (let i = 0; i < out.length; i++) out[i] = rng.normal();
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The same weights with the input and output renamed as in the ONNX Model Zoo's file. */
function renamedModel(): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph!;
  const rename = (n: string) =>
    n === "data" ? "input.1" : n === "logits" ? "resnetv22_dense0_fwd" : n;
  for (const v of [...graph.input!, ...graph.output!]) v.name = rename(v.name!);
  for (const node of graph.node!) {
    node.input = node.input!.map(rename);
    node.output = node.output!.map(rename);
  }
  return onnx.ModelProto.encode(model).finish();
}

Deno.test("loadModel", async (t) => {
  const images = randomImages(3, 11);
  const native = await loadModel(bytes, { backend: "native", threads: 2 });
  const wasm = await loadModel(bytes, { backend: "wasm", threads: 2 });

  await t.step("reads input and output names from the session", () => {
    assert.equal(native.inputName, "data");
    assert.equal(wasm.outputName, "logits");
  });

  await t.step("wasm and native give the same logits (max abs diff <= 1e-3)", async () => {
    const a = await native.run(images, 3);
    const b = await wasm.run(images, 3);
    assert.equal(a.length, 3000);
    const spread = Math.max(...a) - Math.min(...a);
    assert.ok(spread > 0.1, `logits vary across classes: spread ${spread}`);
    const diff = maxAbsDiff(a, b);
    assert.ok(diff <= 1e-3, `max abs diff ${diff}`);
  });

  await t.step("a batch gives each image's own logits", async () => {
    const batch = await native.run(images, 3);
    const second = await native.run(images.subarray(IMAGE_FLOATS, 2 * IMAGE_FLOATS), 1);
    assert.ok(maxAbsDiff(batch.subarray(1000, 2000), second) <= 1e-4);
    assert.ok(maxAbsDiff(batch.subarray(0, 1000), batch.subarray(1000, 2000)) > 1e-3);
  });

  await t.step("runs a prefix of a larger buffer", async () => {
    const two = await wasm.run(images, 2);
    assert.equal(two.length, 2000);
  });

  await t.step("rejects bad batch sizes and short buffers", async () => {
    await assert.rejects(
      () => native.run(images, 0),
      /batch size must be a positive integer: got 0/,
    );
    await assert.rejects(() => native.run(images, 4), /fewer than 4 images/);
  });

  await t.step("a model with other tensor names works unchanged", async () => {
    const renamed = await loadModel(renamedModel(), { backend: "native", threads: 1 });
    assert.equal(renamed.inputName, "input.1");
    assert.equal(renamed.outputName, "resnetv22_dense0_fwd");
    const out = await renamed.run(images, 1);
    assert.ok(maxAbsDiff(out, await native.run(images, 1)) <= 1e-4);
    await renamed.release();
  });

  await t.step("rejects bad options with the value", async () => {
    await assert.rejects(
      () => loadModel(bytes, { backend: "native", threads: 0 }),
      /threads must be an integer between 1 and 64: got 0/,
    );
    await assert.rejects(
      // deno-lint-ignore no-explicit-any
      () => loadModel(bytes, { backend: "gpu" as any, threads: 1 }),
      /backend must be wasm or native: got gpu/,
    );
    await assert.rejects(
      () => loadModel(bytes, { backend: "wasm", threads: 1 }),
      /threads are process-wide: already 2, asked 1/,
    );
  });

  await native.release();
  await wasm.release();
});
