import assert from "node:assert/strict";
import { HttpError } from "../http/mod.ts";
import { flattenInto, parseInferRequest } from "./oip.ts";

const MODEL = { name: "resnet18", inputName: "data", outputName: "logits", classes: 1000 };
const FLOATS = 3 * 224 * 224;

function request(data: unknown): Uint8Array {
  const body = { inputs: [{ name: "data", shape: [1, 3, 224, 224], datatype: "FP32", data }] };
  return new TextEncoder().encode(JSON.stringify(body));
}

Deno.test("flattenInto writes nested numbers in order and counts them", () => {
  const out = new Float32Array(4);
  assert.equal(flattenInto([[1, 2], [[3]], 4], out), 4);
  assert.deepEqual([...out], [1, 2, 3, 4]);
  assert.equal(flattenInto([1, 2, 3, 4, 5, 6], out), 6, "counts past the buffer");
  assert.equal(flattenInto(7, out), 1);
});

Deno.test("flattenInto refuses deep nesting and non-numbers with 400", () => {
  let deep: unknown = 0;
  for (let i = 0; i < 10_000; i++) deep = [deep];
  for (const [data, pattern] of [[deep, /nested deeper than 8/], [[1, "x"], /must hold numbers/]]) {
    assert.throws(
      () => flattenInto(data, new Float32Array(1)),
      (e) => e instanceof HttpError && e.status === 400 && (pattern as RegExp).test(e.message),
    );
  }
});

Deno.test("parseInferRequest: nested [1][3][224][224] data equals the flat list", () => {
  const flat = Array.from({ length: FLOATS }, (_, i) => (i % 97) / 97);
  const nested = [
    [0, 1, 2].map((c) =>
      Array.from(
        { length: 224 },
        (_, y) => flat.slice((c * 224 + y) * 224, (c * 224 + y + 1) * 224),
      )
    ),
  ];
  const a = parseInferRequest(request(flat), null, MODEL);
  const b = parseInferRequest(request(nested), null, MODEL);
  assert.equal(a.batch, 1);
  assert.deepEqual(b.data, a.data);
  assert.equal(a.data[FLOATS - 1], Math.fround(flat[FLOATS - 1]));
});

Deno.test("parseInferRequest: Inference-Header-Content-Length is decimal digits only", () => {
  const body = request(new Array(FLOATS).fill(0));
  assert.equal(parseInferRequest(body, String(body.length), MODEL).batch, 1);
  for (const bad of ["0x10", " 12", "1e2", "-0", "12.0", ""]) {
    assert.throws(
      () => parseInferRequest(body, bad, MODEL),
      (e) => e instanceof HttpError && e.status === 400,
      JSON.stringify(bad),
    );
  }
});
