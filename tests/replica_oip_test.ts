/**
 * The Open Inference Protocol (KServe v2) on a real replica process, as a v2 client following
 * KServe's and Triton's documentation would call it: JSON tensors and the binary data extension.
 */
import assert from "node:assert/strict";
import { startScript } from "./support/process.ts";
import { createRng } from "../lib/shared/mod.ts";

const FLOATS = 3 * 224 * 224;

function images(n: number): Float32Array {
  const rng = createRng(5);
  return Float32Array.from({ length: n * FLOATS }, () => rng.normal());
}

Deno.test("replica: Open Inference Protocol", async (t) => {
  const replica = await startScript("replica.ts", [
    "--host=127.0.0.1",
    "--port=0",
    "--backend=native",
    "--threads=1",
  ]);
  const v2 = `${replica.url}/v2`;
  const input = images(2);
  let jsonLogits: number[] = [];

  await t.step("health and model metadata", async () => {
    assert.deepEqual(await fetch(`${v2}/health/live`).then((r) => r.json()), { live: true });
    assert.deepEqual(await fetch(`${v2}/health/ready`).then((r) => r.json()), { ready: true });
    const meta = await fetch(`${v2}/models/resnet18`).then((r) => r.json());
    assert.equal(meta.name, "resnet18");
    assert.deepEqual(meta.inputs, [{ name: "data", datatype: "FP32", shape: [-1, 3, 224, 224] }]);
    assert.deepEqual(meta.outputs, [{ name: "logits", datatype: "FP32", shape: [-1, 1000] }]);
    const ready = await fetch(`${v2}/models/resnet18/ready`);
    assert.equal(ready.status, 200);
    await ready.body?.cancel();
    const missing = await fetch(`${v2}/models/nope`);
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.code, "model_not_found");
  });

  await t.step("JSON infer with a batch of 2", async () => {
    const res = await fetch(`${v2}/models/resnet18/infer`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        id: "req-1",
        inputs: [{
          name: "data",
          shape: [2, 3, 224, 224],
          datatype: "FP32",
          data: Array.from(input),
        }],
      }),
    });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.model_name, "resnet18");
    assert.equal(body.id, "req-1");
    assert.equal(body.outputs[0].name, "logits");
    assert.deepEqual(body.outputs[0].shape, [2, 1000]);
    assert.equal(body.outputs[0].datatype, "FP32");
    jsonLogits = body.outputs[0].data;
    assert.equal(jsonLogits.length, 2000);
    assert.notDeepEqual(jsonLogits.slice(0, 1000), jsonLogits.slice(1000));
  });

  await t.step("binary tensor extension in and out gives the same logits", async () => {
    const header = new TextEncoder().encode(JSON.stringify({
      inputs: [{
        name: "data",
        shape: [2, 3, 224, 224],
        datatype: "FP32",
        parameters: { binary_data_size: input.byteLength },
      }],
      outputs: [{ name: "logits", parameters: { binary_data: true } }],
    }));
    const body = new Uint8Array(header.length + input.byteLength);
    body.set(header);
    body.set(new Uint8Array(input.buffer), header.length);
    const res = await fetch(`${v2}/models/resnet18/infer`, {
      method: "POST",
      headers: {
        "content-type": "application/octet-stream",
        "inference-header-content-length": String(header.length),
      },
      body,
    });
    assert.equal(res.status, 200);
    const jsonLength = Number(res.headers.get("inference-header-content-length"));
    const raw = new Uint8Array(await res.arrayBuffer());
    const head = JSON.parse(new TextDecoder().decode(raw.subarray(0, jsonLength)));
    assert.equal(head.outputs[0].parameters.binary_data_size, 8000);
    const logits = new Float32Array(raw.slice(jsonLength).buffer);
    assert.equal(logits.length, 2000);
    const diff = Math.max(...Array.from(logits, (v, i) => Math.abs(v - jsonLogits[i])));
    assert.ok(diff < 1e-4, `binary vs JSON logits differ by ${diff}`);
  });

  await t.step("bad tensors get 400 with the reason", async () => {
    const cases: [unknown, RegExp][] = [
      [
        { inputs: [{ name: "data", shape: [1, 3, 10, 10], datatype: "FP32", data: [1] }] },
        /shape must be \[N,3,224,224\]/,
      ],
      [
        { inputs: [{ name: "x", shape: [1, 3, 224, 224], datatype: "FP32", data: [] }] },
        /unknown input 'x'/,
      ],
      [
        { inputs: [{ name: "data", shape: [1, 3, 224, 224], datatype: "INT8", data: [] }] },
        /datatype must be FP32/,
      ],
      [
        { inputs: [{ name: "data", shape: [1, 3, 224, 224], datatype: "FP32", data: [1, 2] }] },
        /must hold 150528 values/,
      ],
      [{ nope: 1 }, /needs an 'inputs' array/],
    ];
    for (const [request, pattern] of cases) {
      const res = await fetch(`${v2}/models/resnet18/infer`, {
        method: "POST",
        body: JSON.stringify(request),
      });
      const body = await res.json();
      assert.equal(res.status, 400);
      assert.match(body.error.message, pattern);
    }
  });

  await t.step("data nested 10,000 deep is a 400, and the replica keeps serving", async () => {
    const deep = "[".repeat(10_000) + "0" + "]".repeat(10_000);
    const body =
      `{"inputs":[{"name":"data","shape":[1,3,224,224],"datatype":"FP32","data":${deep}}]}`;
    const res = await fetch(`${v2}/models/resnet18/infer`, { method: "POST", body });
    const answer = await res.json();
    assert.equal(res.status, 400, JSON.stringify(answer));
    assert.equal(answer.error.code, "malformed_request");
    assert.match(answer.error.message, /nested deeper than 8 levels/);
    assert.equal((await fetch(`${v2}/health/ready`)).status, 200);
  });

  assert.equal((await replica.stop()).code, 0);
});
