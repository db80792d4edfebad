import assert from "node:assert/strict";
import { TensorPool } from "./tensor_pool.ts";

Deno.test("tensor pool: buffers given back are taken again, newest first", () => {
  const pool = new TensorPool(4, 2);
  const a = pool.take();
  const b = pool.take();
  assert.equal(a.length, 4);
  assert.notEqual(a, b);
  assert.equal(pool.created, 2);
  pool.give(a);
  pool.give(b);
  assert.equal(pool.idle, 2);
  assert.equal(pool.take(), b);
  assert.equal(pool.take(), a);
  assert.equal(pool.created, 2, "nothing new allocated");
  assert.equal(pool.take().length, 4);
  assert.equal(pool.created, 3);
});

Deno.test("tensor pool: keeps at most `keep` idle buffers, and only whole buffers of its size", () => {
  const pool = new TensorPool(4, 1);
  const a = pool.take();
  pool.give(a);
  pool.give(a);
  assert.equal(pool.idle, 1, "a buffer given twice is kept once");
  pool.give(new Float32Array(4));
  assert.equal(pool.idle, 1, "over `keep`: left to the garbage collector");
  const other = new TensorPool(4, 8);
  other.give(new Float32Array(5));
  other.give(new Float32Array(8).subarray(0, 4));
  other.give(new Float32Array(8).subarray(4));
  other.give(undefined);
  const detached = new Float32Array(4);
  structuredClone(detached.buffer, { transfer: [detached.buffer] });
  other.give(detached);
  assert.equal(other.idle, 0, "wrong size, a view of a larger buffer, nothing, or detached");
  other.give(new Float32Array(4));
  assert.equal(other.idle, 1);
});

Deno.test("tensor pool: refuses nonsense sizes", () => {
  assert.throws(() => new TensorPool(0, 1), RangeError);
  assert.throws(() => new TensorPool(4, -1), RangeError);
  assert.throws(() => new TensorPool(1.5, 1), RangeError);
});
