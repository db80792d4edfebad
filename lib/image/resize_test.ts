import assert from "node:assert/strict";
import { packedView, type PixelView } from "./pixels.ts";
import {
  bilinearCoefficients,
  centerCropOffset,
  PRECISION_BITS,
  resizeCenterCrop,
  resizedSize,
  roundHalfEven,
} from "./resize.ts";

const ONE = 1 << PRECISION_BITS;

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s >>> 24;
  };
}

/** Pillow's coefficients for one output index, written out plainly (reference). */
function refTaps(inSize: number, outSize: number, xx: number): { min: number; w: number[] } {
  const scale = Math.fround(inSize) / outSize;
  const fs = Math.max(scale, 1);
  const center = (xx + 0.5) * scale;
  const min = Math.max(0, Math.trunc(center - fs + 0.5));
  const max = Math.min(inSize, Math.trunc(center + fs + 0.5));
  const raw: number[] = [];
  const ss = 1 / fs;
  for (let x = min; x < max; x++) raw.push(Math.max(0, 1 - Math.abs((x - center + 0.5) * ss)));
  const sum = raw.reduce((a, b) => a + b, 0);
  return { min, w: raw.map((k) => Math.trunc(0.5 + (sum ? k / sum : k) * ONE)) };
}

/** Full Pillow resize of packed `ch`-channel pixels, then torchvision centre crop with padding. */
function reference(px: Uint8Array, w: number, h: number, ch: number, size: number, crop: number) {
  const out = resizedSize(w, h, size);
  const clip = (s: number) => Math.min(255, s >> PRECISION_BITS);
  const horiz = new Uint8Array(out.width * h * ch);
  for (let y = 0; y < h; y++) {
    for (let xx = 0; xx < out.width; xx++) {
      const { min, w: k } = refTaps(w, out.width, xx);
      for (let c = 0; c < ch; c++) {
        let s = 1 << (PRECISION_BITS - 1);
        k.forEach((kk, i) => (s += px[(y * w + min + i) * ch + c] * kk));
        horiz[(y * out.width + xx) * ch + c] = clip(s);
      }
    }
  }
  const full = new Uint8Array(out.width * out.height * ch);
  for (let yy = 0; yy < out.height; yy++) {
    const { min, w: k } = refTaps(h, out.height, yy);
    for (let x = 0; x < out.width * ch; x++) {
      let s = 1 << (PRECISION_BITS - 1);
      k.forEach((kk, i) => (s += horiz[(min + i) * out.width * ch + x] * kk));
      full[yy * out.width * ch + x] = clip(s);
    }
  }
  const cropped = new Uint8Array(crop * crop * ch);
  const top = centerCropOffset(out.height, crop), left = centerCropOffset(out.width, crop);
  for (let y = 0; y < crop; y++) {
    for (let x = 0; x < crop; x++) {
      const sy = y + top, sx = x + left;
      if (sy < 0 || sx < 0 || sy >= out.height || sx >= out.width) continue;
      for (let c = 0; c < ch; c++) {
        cropped[(y * crop + x) * ch + c] = full[(sy * out.width + sx) * ch + c];
      }
    }
  }
  return cropped;
}

Deno.test("resizedSize", async (t) => {
  const cases: [number, number, number, number][] = [
    [640, 480, 341, 256],
    [480, 640, 256, 341],
    [16, 9, 455, 256],
    [224, 224, 256, 256],
    [300, 500, 256, 426],
    [4000, 3000, 341, 256],
    [451, 300, 384, 256],
    [1, 40000, 256, 10240000],
  ];
  for (const [w, h, ww, hh] of cases) {
    await t.step(`${w}x${h} → ${ww}x${hh}`, () => {
      assert.deepEqual(resizedSize(w, h, 256), { width: ww, height: hh });
    });
  }
});

Deno.test("centerCropOffset", async (t) => {
  const cases: [number, number, number][] = [
    [256, 224, 16],
    [341, 224, 58], // 58.5 rounds to even
    [343, 224, 60], // 59.5 rounds to even
    [455, 224, 116], // 115.5 → 116
    [224, 224, 0],
    [225, 224, 0], // 0.5 → 0
    [227, 224, 2], // 1.5 → 2
    [200, 224, -12], // padding before: (224 - 200) // 2
    [201, 224, -11],
  ];
  for (const [size, crop, want] of cases) {
    await t.step(`${size} → ${crop}`, () => assert.equal(centerCropOffset(size, crop), want));
  }
  await t.step("roundHalfEven", () => {
    assert.deepEqual([0.5, 1.5, 2.5, 2.4, 2.6, 7].map(roundHalfEven), [0, 2, 2, 2, 3, 7]);
  });
});

Deno.test("bilinearCoefficients", async (t) => {
  await t.step("4 → 2 by hand: weights 3/7, 3/7, 1/7", () => {
    const c = bilinearCoefficients(4, 2, 0, 2);
    assert.equal(c.ksize, 5);
    assert.deepEqual([...c.bounds], [0, 3, 1, 3]);
    assert.deepEqual([...c.weights.subarray(0, 3)], [1797559, 1797559, 599186]);
  });
  await t.step("same size is the identity", () => {
    const c = bilinearCoefficients(10, 10, 0, 10);
    for (let j = 0; j < 10; j++) {
      assert.equal(c.bounds[2 * j], j);
      assert.equal(c.weights[j * c.ksize], ONE);
      for (let i = 1; i < c.bounds[2 * j + 1]; i++) assert.equal(c.weights[j * c.ksize + i], 0);
    }
  });
  for (const [inSize, outSize] of [[640, 341], [4000, 341], [16, 455], [300, 256], [7, 3]]) {
    await t.step(`${inSize} → ${outSize} matches the reference, weights sum to ~2^22`, () => {
      const c = bilinearCoefficients(inSize, outSize, 0, outSize);
      for (let j = 0; j < outSize; j++) {
        const ref = refTaps(inSize, outSize, j);
        assert.equal(c.bounds[2 * j], ref.min);
        const w = [...c.weights.subarray(j * c.ksize, j * c.ksize + c.bounds[2 * j + 1])];
        assert.deepEqual(w, ref.w);
        const sum = w.reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum - ONE) <= c.ksize, `sum ${sum}`);
      }
    });
  }
  await t.step("positions outside the output get no taps", () => {
    const c = bilinearCoefficients(20, 10, -2, 14);
    assert.deepEqual([...c.bounds.subarray(0, 4)], [0, 0, 0, 0]);
    assert.deepEqual([...c.bounds.subarray(24)], [0, 0, 0, 0]);
    assert.notEqual(c.bounds[5], 0);
  });
});

Deno.test("resizeCenterCrop", async (t) => {
  const cases: [string, number, number, 1 | 3 | 4, number, number][] = [
    ["640x480 RGB", 640, 480, 3, 256, 224],
    ["480x640 RGB", 480, 640, 3, 256, 224],
    ["33x17 grey (upscale)", 33, 17, 1, 256, 224],
    ["16x9 RGB (upscale, wide)", 16, 9, 3, 256, 224],
    ["300x301 RGBX", 300, 301, 4, 256, 224],
    ["1000x90 RGB", 1000, 90, 3, 64, 48],
    ["crop larger than the resized image pads with 0", 50, 40, 3, 24, 30],
    ["unchanged size skips nothing", 256, 300, 3, 256, 224],
  ];
  for (const [name, w, h, ch, size, crop] of cases) {
    await t.step(`${name}: equals resize-then-crop`, () => {
      const rnd = seeded(w * 7919 + h);
      const px = Uint8Array.from({ length: w * h * ch }, rnd);
      const got = resizeCenterCrop(packedView(px, w, h, ch), size, crop);
      const colour = ch === 1 ? 1 : 3;
      assert.equal(got.channels, colour);
      assert.equal(got.side, crop);
      const packed = ch === 4 ? px.filter((_, i) => i % 4 !== 3) : px;
      assert.deepEqual(got.data, reference(packed, w, h, colour, size, crop));
    });
  }
  await t.step("reads a strided view in place (PNG rows with filter bytes)", () => {
    const w = 70, h = 50, rnd = seeded(5);
    const rows = Uint8Array.from({ length: h * (w * 4 + 1) }, rnd);
    const view: PixelView = {
      data: rows,
      width: w,
      height: h,
      offset: 1,
      rowStride: w * 4 + 1,
      pixelStride: 4,
      grey: false,
    };
    const packed = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < 3; c++) {
          packed[(y * w + x) * 3 + c] = rows[1 + y * (w * 4 + 1) + x * 4 + c];
        }
      }
    }
    assert.deepEqual(resizeCenterCrop(view, 40, 32).data, reference(packed, w, h, 3, 40, 32));
  });
  await t.step("a flat image stays flat", () => {
    const px = new Uint8Array(97 * 61 * 3).fill(201);
    assert.ok(resizeCenterCrop(packedView(px, 97, 61, 3)).data.every((v) => v === 201));
  });
});
