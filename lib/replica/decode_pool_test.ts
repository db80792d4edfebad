import assert from "node:assert/strict";
import {
  adaptiveDecoder,
  createDecodePool,
  type DecodedTensor,
  type ImageDecoder,
  inProcessDecoder,
} from "./decode_pool.ts";
import { ImageError, initJpegCodec } from "../image/mod.ts";

const ROOT = new URL("../../testdata/", import.meta.url);
const files = (dir: string) =>
  [...Deno.readDirSync(new URL(dir, ROOT))].map((e) => e.name).filter((n) => !n.endsWith(".md"))
    .sort();
const read = (path: string) => Deno.readFileSync(new URL(path, ROOT));

/** Settles `decode(bytes)` to a comparable value: the tensor's bytes or the error's code. */
async function outcome(decode: ImageDecoder, bytes: Uint8Array) {
  try {
    const image = await decode(bytes, { maxPixels: 40_000_000 });
    const { width, height, mode } = image;
    return { width, height, mode, bytes: new Uint8Array(image.tensor.buffer) };
  } catch (err) {
    assert.ok(err instanceof ImageError, `not an ImageError: ${err}`);
    return { code: err.code };
  }
}

Deno.test("decode pool: every test image gives the in-process tensor, decoded concurrently", async () => {
  await initJpegCodec();
  const pool = createDecodePool(2);
  try {
    const names = files("images/");
    const pooled = await Promise.all(names.map((n) => outcome(pool.decode, read(`images/${n}`))));
    for (const [i, name] of names.entries()) {
      const local = await outcome(inProcessDecoder, read(`images/${name}`));
      assert.deepEqual(pooled[i], local, name);
      assert.ok("bytes" in local, `${name} should decode`);
    }
    assert.equal(pool.pending, 0);
  } finally {
    pool.close();
  }
});

Deno.test("decode pool: bad inputs come back as the same ImageError codes", async () => {
  await initJpegCodec();
  const pool = createDecodePool(1);
  try {
    for (const name of files("bad_inputs/")) {
      const bytes = read(`bad_inputs/${name}`);
      assert.deepEqual(
        await outcome(pool.decode, bytes),
        await outcome(inProcessDecoder, bytes),
        name,
      );
    }
    const tooLarge = await pool.decode(read("images/synthetic_640x480_q90.jpg"), {
      maxPixels: 1000,
    })
      .then(() => undefined, (e) => e);
    assert.ok(tooLarge instanceof ImageError && tooLarge.code === "too_large");
  } finally {
    pool.close();
  }
});

Deno.test("decode pool: the caller's event loop runs while an image decodes", async () => {
  await initJpegCodec();
  const big = read("images/synthetic_4000x3000_q85.jpg");
  const ticksDuring = async (decode: ImageDecoder) => {
    let ticks = 0;
    let done = false;
    const tick = () => {
      if (done) return;
      ticks++;
      setTimeout(tick, 0);
    };
    setTimeout(tick, 0);
    await decode(big, { maxPixels: 40_000_000 });
    done = true;
    return ticks;
  };
  const pool = createDecodePool(1);
  try {
    await pool.decode(read("images/rocket.jpg"), { maxPixels: 40_000_000 }); // worker warm
    assert.equal(await ticksDuring(inProcessDecoder), 0, "in-process decoding holds the loop");
    assert.ok(await ticksDuring(pool.decode) > 0, "pooled decoding must leave the loop free");
  } finally {
    pool.close();
  }
});

Deno.test("decode pool: close fails pending and later decodes", async () => {
  const pool = createDecodePool(1);
  const pending = pool.decode(read("images/synthetic_4000x3000_q85.jpg"), { maxPixels: 4e7 });
  pool.close();
  await assert.rejects(pending, /closed/);
  await assert.rejects(pool.decode(read("images/rocket.jpg"), { maxPixels: 4e7 }), /closed/);
  assert.throws(() => createDecodePool(0), RangeError);
});

Deno.test("adaptive decoder: inline when idle and small, the pool when busy or large", async () => {
  await initJpegCodec();
  const pooled: number[] = [];
  const pool: ImageDecoder = (bytes, o) => (pooled.push(bytes.length), inProcessDecoder(bytes, o));
  let busy = false;
  const decode = adaptiveDecoder(pool, () => busy, 1_000_000);
  const small = read("images/synthetic_640x480_q90.jpg"); // 0.3 MP
  const large = read("images/synthetic_4000x3000_q85.jpg"); // 12 MP
  const o = { maxPixels: 40_000_000 };
  const withoutTime = ({ decodeMs: _, ...rest }: DecodedTensor) => rest;
  assert.deepEqual(
    withoutTime(await decode(small, o)),
    withoutTime(await inProcessDecoder(small, o)),
  );
  assert.deepEqual(pooled, [], "idle and small: decoded inline");
  await decode(large, o);
  assert.deepEqual(pooled, [large.length], "large: pool even when idle");
  busy = true;
  await decode(small, o);
  assert.deepEqual(pooled, [large.length, small.length], "busy: pool");
  const refused = await decode(read("bad_inputs/random_bytes.bin"), o).then(
    () => "",
    (e) => e.code,
  );
  assert.equal(refused, "unsupported_format");
  assert.equal(pooled.length, 2, "refused from the header: inline, even when busy");
  const bomb = await decode(read("bad_inputs/bomb_100000x100000.png"), o).then(
    () => "",
    (e) => e.code,
  );
  assert.equal(bomb, "too_large");
  assert.equal(pooled.length, 2, "over maxPixels from the header: inline, even when busy");
  busy = false;
  await decode(read("bad_inputs/truncated_half.jpg"), o).catch(() => {});
  assert.equal(pooled.length, 2, "idle, a small corrupt image decodes (and fails) inline");
  busy = true;
  await decode(read("bad_inputs/truncated_half.jpg"), o).catch(() => {});
  assert.equal(pooled.length, 2, "busy, a JPEG whose markers show it truncated: inline");
  await decode(read("images/synthetic_800x600_progressive.jpg"), o);
  assert.equal(pooled.length, 3, "busy, an image that passes the header checks: the pool");
});

Deno.test("adaptive decoder: a many-scan JPEG goes to the pool even when idle", async () => {
  await initJpegCodec();
  const pooled: number[] = [];
  const pool: ImageDecoder = (bytes, o) => (pooled.push(bytes.length), inProcessDecoder(bytes, o));
  const progressive = read("images/synthetic_800x600_progressive.jpg"); // 0.48 MP, several scans
  const o = { maxPixels: 40_000_000 };
  await adaptiveDecoder(pool, () => false, 800 * 600)(progressive, o);
  assert.deepEqual(pooled, [progressive.length], "its scans make it costlier than its pixels");
  await adaptiveDecoder(pool, () => false, 800 * 600 * 20)(progressive, o);
  assert.deepEqual(pooled, [progressive.length], "within the work budget: inline");
});

Deno.test("decoders write into the buffer they are given: inline in place, the pool there and back", async () => {
  await initJpegCodec();
  const bytes = read("images/rocket.jpg");
  const o = { maxPixels: 40_000_000 };
  const want = (await inProcessDecoder(bytes, o)).tensor;
  const inline = new Float32Array(want.length).fill(7);
  const local = await inProcessDecoder(bytes, { ...o, out: inline });
  assert.equal(local.tensor, inline, "inline: the very array");
  assert.deepEqual(local.tensor, want);
  const pool = createDecodePool(1);
  try {
    const out = new Float32Array(want.length).fill(7);
    const pooled = await pool.decode(bytes, { ...o, out });
    assert.equal(out.length, 0, "the buffer went to the worker");
    assert.deepEqual(pooled.tensor, want);
    const again = await pool.decode(bytes, { ...o, out: pooled.tensor });
    assert.deepEqual(again.tensor, want, "and can go again");
  } finally {
    pool.close();
  }
});

Deno.test("decode pool: a failed decode sends the buffer back to returnBuffer", async () => {
  const returned: Float32Array[] = [];
  const pool = createDecodePool(1, { returnBuffer: (b) => returned.push(b) });
  try {
    const out = new Float32Array(3 * 224 * 224);
    const refused = await pool.decode(read("bad_inputs/truncated_half.jpg"), {
      maxPixels: 40_000_000,
      out,
    }).then(() => "", (e) => e.code);
    assert.equal(refused, "undecodable");
    assert.equal(out.length, 0, "it went to the worker");
    assert.deepEqual(returned.map((b) => b.length), [3 * 224 * 224], "and came back");
    await pool.decode(read("images/rocket.jpg"), { maxPixels: 4e7, out: returned[0] });
    assert.equal(returned.length, 1, "a decoded image resolves to its buffer instead");
  } finally {
    pool.close();
  }
});
