import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import { ImageError } from "./error.ts";
import { toRgb } from "./pixels.ts";
import { decodePng } from "./png.ts";
import { crc32 } from "./png_chunks.ts";

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [
  0,
  1,
  1,
  2,
]];

/** A seeded generator of samples below `limit`. */
function samples(count: number, limit: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: count }, () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return (s >>> 8) % limit;
  });
}

function chunk(type: string, data: Uint8Array, badCrc = false): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, (crc32(out, 4, 8 + data.length) ^ (badCrc ? 1 : 0)) >>> 0);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, (o += p.length) - p.length);
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

interface Spec {
  width: number;
  height: number;
  colorType: number;
  bitDepth: number;
  interlace?: number;
  /** Samples, row-major, CHANNELS per pixel. */
  values: number[];
}

/** Unfiltered scanlines (with filter bytes, filters cycling 0..4) for every pass. */
function scanlines({ width, height, colorType, bitDepth, interlace, values }: Spec): Uint8Array {
  const ch = CHANNELS[colorType];
  const bpp = Math.max(1, (ch * bitDepth) >> 3);
  const grid = interlace ? ADAM7 : [[0, 0, 1, 1]];
  const rows: number[] = [];
  let filter = 0;
  for (const [x0, y0, dx, dy] of grid) {
    const w = Math.ceil((width - x0) / dx), h = Math.ceil((height - y0) / dy);
    if (w <= 0 || h <= 0) continue;
    let prev = new Array(Math.ceil((w * ch * bitDepth) / 8)).fill(0);
    for (let r = 0; r < h; r++) {
      const line = new Array(prev.length).fill(0);
      let bit = 0;
      for (let i = 0; i < w; i++) {
        for (let c = 0; c < ch; c++) {
          const v = values[((y0 + r * dy) * width + x0 + i * dx) * ch + c];
          if (bitDepth === 16) {
            line[bit >> 3] = v >> 8;
            line[(bit >> 3) + 1] = v & 255;
          } else line[bit >> 3] |= v << (8 - bitDepth - (bit & 7));
          bit += bitDepth;
        }
      }
      const f = filter++ % 5;
      rows.push(f);
      for (let i = 0; i < line.length; i++) {
        const a = i >= bpp ? line[i - bpp] : 0, b = r ? prev[i] : 0;
        const c = i >= bpp && r ? prev[i - bpp] : 0;
        const pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][f];
        rows.push((line[i] - pred) & 255);
      }
      prev = line;
    }
  }
  return Uint8Array.from(rows);
}

function png(
  spec: Spec,
  extra: { before?: Uint8Array[]; idat?: Uint8Array; palette?: number[] } = {},
) {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, spec.width);
  view.setUint32(4, spec.height);
  ihdr.set([spec.bitDepth, spec.colorType, 0, 0, spec.interlace ?? 0], 8);
  return concat([
    Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    ...(extra.palette ? [chunk("PLTE", Uint8Array.from(extra.palette))] : []),
    ...(extra.before ?? []),
    chunk("IDAT", extra.idat ?? deflateSync(scanlines(spec))),
    chunk("IEND", new Uint8Array(0)),
  ]);
}

/** Pillow's convert("RGB") of one pixel's samples, as packed RGB. */
function pillowRgb(colorType: number, depth: number, px: number[], palette: number[]): number[] {
  const grey = (v: number) => [v, v, v];
  switch (colorType) {
    case 0:
      return grey(depth === 16 ? Math.min(px[0], 255) : (px[0] * 255) / (2 ** depth - 1));
    case 3:
      return 3 * px[0] + 2 < palette.length ? palette.slice(3 * px[0], 3 * px[0] + 3) : grey(px[0]);
    case 4:
      return grey(depth === 16 ? px[0] >> 8 : px[0]);
    default:
      return px.slice(0, 3).map((v) => (depth === 16 ? v >> 8 : v));
  }
}

const rgb = { width: 5, height: 4, colorType: 2, bitDepth: 8, values: samples(60, 256, 3) };

function assertUndecodable(bytes: Uint8Array, message: RegExp): void {
  assert.throws(() => decodePng(bytes), (e: unknown) => {
    assert.ok(e instanceof ImageError && e.code === "undecodable", String(e));
    assert.match(e.message, message);
    return true;
  });
}

Deno.test("decodePng: colour types and bit depths", async (t) => {
  const combos: [number, number[]][] = [[0, [1, 2, 4, 8, 16]], [2, [8, 16]], [3, [1, 2, 4, 8]], [
    4,
    [8, 16],
  ], [6, [8, 16]]];
  for (const [colorType, depths] of combos) {
    for (const bitDepth of depths) {
      for (const interlace of [0, 1]) {
        const name = `colour type ${colorType}, ${bitDepth}-bit${interlace ? ", Adam7" : ""}`;
        await t.step(name, () => {
          const width = 13, height = 7, ch = CHANNELS[colorType];
          const values = samples(width * height * ch, 2 ** bitDepth, colorType * 100 + bitDepth);
          // A palette shorter than the indices used: the rest is Pillow's grey ramp.
          const entries = colorType === 3 ? Math.max(1, 2 ** bitDepth - 3) : 0;
          const palette = samples(3 * entries, 256, 7);
          const spec = { width, height, colorType, bitDepth, interlace, values };
          const view = decodePng(png(spec, colorType === 3 ? { palette } : {}));
          const want: number[] = [];
          for (let i = 0; i < width * height; i++) {
            want.push(
              ...pillowRgb(colorType, bitDepth, values.slice(i * ch, i * ch + ch), palette),
            );
          }
          assert.deepEqual([...toRgb(view)], want);
          assert.equal(view.grey, colorType === 0 || colorType === 4);
        });
      }
    }
  }
});

Deno.test("decodePng: tolerated damage", async (t) => {
  const expected = toRgb(decodePng(png(rgb)));
  await t.step("tRNS is ignored", () => {
    const trns = chunk("tRNS", Uint8Array.from([0, 1, 0, 2, 0, 3]));
    assert.deepEqual(toRgb(decodePng(png(rgb, { before: [trns] }))), expected);
  });
  await t.step("a bad IDAT CRC is ignored, as Pillow does", () => {
    const b = png(rgb);
    const end = b.length - 12; // IDAT's CRC sits just before IEND
    b[end - 1] ^= 0xff;
    assert.deepEqual(toRgb(decodePng(b)), expected);
  });
  await t.step("a missing IEND and junk after the image data are ignored", () => {
    const b = png(rgb).slice(0, -12);
    assert.deepEqual(
      toRgb(decodePng(concat([b, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9])]))),
      expected,
    );
  });
  await t.step("IDAT split over several chunks", () => {
    const z = deflateSync(scanlines(rgb));
    const b = png(rgb).slice(0, 33);
    const parts = [z.subarray(0, 5), z.subarray(5, 9), z.subarray(9)].map((p) => chunk("IDAT", p));
    assert.deepEqual(
      toRgb(decodePng(concat([b, ...parts, chunk("IEND", new Uint8Array(0))]))),
      expected,
    );
  });
});

Deno.test("decodePng: undecodable", async (t) => {
  const lines = scanlines(rgb);
  const bad: [string, () => Uint8Array, RegExp][] = [
    [
      "bad CRC in an ancillary chunk before IDAT",
      () => png(rgb, { before: [chunk("tEXt", Uint8Array.from([65, 0, 66]), true)] }),
      /bad CRC in tEXt/,
    ],
    [
      "truncated zlib stream",
      () => png(rgb, { idat: deflateSync(lines).subarray(0, 20) }),
      /corrupt or truncated/,
    ],
    [
      "zlib stream one row short",
      () => png(rgb, { idat: deflateSync(lines.subarray(0, 48)) }),
      /truncated: 48 of 64 bytes/,
    ],
    [
      "zlib stream longer than the image",
      () => png(rgb, { idat: deflateSync(concat([lines, lines])) }),
      /inflates past the 64 bytes/,
    ],
    [
      "zlib bomb",
      () => png({ ...rgb, width: 1, height: 1 }, { idat: deflateSync(new Uint8Array(1 << 24)) }),
      /inflates past the 4 bytes/,
    ],
    [
      "not zlib at all",
      () => png(rgb, { idat: Uint8Array.from([1, 2, 3, 4]) }),
      /corrupt or truncated/,
    ],
    [
      "unknown filter type",
      () => png(rgb, { idat: deflateSync(lines.map((v, i) => (i === 16 ? 5 : v))) }),
      /row 1 has unknown filter type 5/,
    ],
    [
      "file cut inside IDAT",
      () => png(rgb).slice(0, 60),
      /PNG is truncated: IDAT chunk at byte 33/,
    ],
    [
      "IEND before IDAT",
      () => png(rgb, { before: [chunk("IEND", new Uint8Array(0))] }),
      /IEND before any IDAT/,
    ],
    [
      "invalid chunk type",
      () => png(rgb, { before: [chunk("t#Xt", new Uint8Array(0))] }),
      /invalid type/,
    ],
    ["bit depth 3", () => png({ ...rgb, bitDepth: 3 }), /bit depth 3 for colour type 2/],
    ["interlace method 2", () => png({ ...rgb, interlace: 2 }), /interlace method 2/],
  ];
  for (const [name, bytes, message] of bad) {
    await t.step(name, () => assertUndecodable(bytes(), message));
  }
});
