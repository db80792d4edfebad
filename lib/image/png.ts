/**
 * PNG decoding to 8-bit pixels exactly as Pillow's `Image.open(...).convert("RGB")` sees them:
 * alpha and tRNS ignored (no compositing), palette entries missing from PLTE are Pillow's grey
 * ramp, 16-bit colour keeps the high byte, 16-bit grey ("I;16") clips at 255, 1/2/4-bit grey is
 * scaled to 0–255. Image data must inflate to exactly the size the header implies: a shorter
 * stream is a truncated file and a longer one a decompression bomb, both `undecodable`.
 *
 * 8-bit grey, grey+alpha, RGB and RGBA images that are not interlaced are returned as a view of
 * the inflated rows, without a copy.
 *
 * @module
 */

import { inflateSync } from "node:zlib";
import { concatBytes } from "../shared/mod.ts";
import { undecodable } from "./error.ts";
import type { PixelView } from "./pixels.ts";
import { readPngChunks } from "./png_chunks.ts";
import { unfilterRows } from "./png_unfilter.ts";

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Adam7 passes: x0, y0, dx, dy. */
const ADAM7: ReadonlyArray<readonly [number, number, number, number]> = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

interface Pass {
  x0: number;
  y0: number;
  dx: number;
  dy: number;
  width: number;
  height: number;
  rowBytes: number;
}

function passesOf(width: number, height: number, interlace: number, bitsPerPixel: number): Pass[] {
  const grid = interlace ? ADAM7 : [[0, 0, 1, 1] as const];
  const passes: Pass[] = [];
  for (const [x0, y0, dx, dy] of grid) {
    const w = Math.ceil((width - x0) / dx);
    const h = Math.ceil((height - y0) / dy);
    if (w <= 0 || h <= 0) continue;
    passes.push({
      x0,
      y0,
      dx,
      dy,
      width: w,
      height: h,
      rowBytes: Math.ceil((w * bitsPerPixel) / 8),
    });
  }
  return passes;
}

/** Inflates the zlib stream, which must produce exactly `expected` bytes. */
function inflateExact(parts: Uint8Array[], expected: number): Uint8Array {
  let out: Uint8Array;
  try {
    out = inflateSync(concatBytes(parts), {
      chunkSize: Math.max(64 * 1024, expected),
      maxOutputLength: expected,
    });
  } catch (e) {
    if (e instanceof RangeError) {
      throw undecodable(`PNG image data inflates past the ${expected} bytes its header implies`);
    }
    throw undecodable(`PNG image data is corrupt or truncated: ${(e as Error).message}`, e);
  }
  if (out.length !== expected) {
    throw undecodable(`PNG image data is truncated: ${out.length} of ${expected} bytes`);
  }
  return out;
}

/** Pillow's palette: PLTE entries, then the grey ramp Pillow starts every palette from. */
function paletteTable(plte: Uint8Array | undefined): Uint8Array {
  const table = new Uint8Array(768);
  for (let i = 0; i < 256; i++) table[3 * i] = table[3 * i + 1] = table[3 * i + 2] = i;
  if (plte) table.set(plte);
  return table;
}

/**
 * Converts `n` pixels of one unfiltered row starting at `raw[s]` to 8-bit grey (1 byte) or RGB
 * (3 bytes) at `out[d]`, `step` bytes apart.
 */
function expandRow(
  raw: Uint8Array,
  s: number,
  n: number,
  out: Uint8Array,
  d: number,
  step: number,
  colorType: number,
  depth: number,
  palette: Uint8Array,
): void {
  if (colorType === 3 || depth < 8) {
    // One sample per pixel, packed big-endian within bytes.
    const mask = (1 << depth) - 1;
    const scale = depth === 1 ? 255 : depth === 2 ? 0x55 : depth === 4 ? 0x11 : 1;
    for (let i = 0; i < n; i++, d += step) {
      const bit = i * depth;
      const v = (raw[s + (bit >> 3)] >> (8 - depth - (bit & 7))) & mask;
      if (colorType === 3) {
        out[d] = palette[3 * v];
        out[d + 1] = palette[3 * v + 1];
        out[d + 2] = palette[3 * v + 2];
      } else {
        out[d] = v * scale;
      }
    }
    return;
  }
  const bytesPerSample = depth >> 3;
  const pixelBytes = CHANNELS[colorType] * bytesPerSample;
  for (let i = 0; i < n; i++, d += step, s += pixelBytes) {
    if (colorType === 0 && bytesPerSample === 2) {
      out[d] = raw[s] !== 0 ? 255 : raw[s + 1]; // Pillow's I;16 → RGB clips at 255
    } else if (colorType === 0 || colorType === 4) {
      out[d] = raw[s]; // grey, or the high byte of 16-bit grey+alpha
    } else {
      out[d] = raw[s];
      out[d + 1] = raw[s + bytesPerSample];
      out[d + 2] = raw[s + 2 * bytesPerSample];
    }
  }
}

/**
 * Decodes a PNG to 8-bit pixels. Throws `undecodable` for broken chunks (a bad CRC before the
 * image data, a truncated chunk), corrupt, truncated or over-long image data, or an unknown row
 * filter. Check the dimensions with `checkImageSize` first: memory is allocated for them.
 */
export function decodePng(bytes: Uint8Array): PixelView {
  const { ihdr, palette, idat } = readPngChunks(bytes);
  const { width, height, bitDepth, colorType, interlace } = ihdr;
  const bitsPerPixel = CHANNELS[colorType] * bitDepth;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const passes = passesOf(width, height, interlace, bitsPerPixel);
  const expected = passes.reduce((n, p) => n + p.height * (p.rowBytes + 1), 0);
  const raw = inflateExact(idat, expected);
  let offset = 0;
  for (const p of passes) {
    unfilterRows(raw, offset, p.height, p.rowBytes, bpp);
    offset += p.height * (p.rowBytes + 1);
  }
  const grey = colorType === 0 || colorType === 4;
  if (!interlace && bitDepth === 8 && colorType !== 3) {
    const rowStride = passes[0].rowBytes + 1;
    return { data: raw, width, height, offset: 1, rowStride, pixelStride: bpp, grey };
  }
  const channels = grey ? 1 : 3;
  const out = new Uint8Array(width * height * channels);
  const table = paletteTable(palette);
  offset = 0;
  for (const p of passes) {
    for (let r = 0; r < p.height; r++) {
      const d = ((p.y0 + r * p.dy) * width + p.x0) * channels;
      const s = offset + r * (p.rowBytes + 1) + 1;
      expandRow(raw, s, p.width, out, d, p.dx * channels, colorType, bitDepth, table);
    }
    offset += p.height * (p.rowBytes + 1);
  }
  return {
    data: out,
    width,
    height,
    offset: 0,
    rowStride: width * channels,
    pixelStride: channels,
    grey,
  };
}
