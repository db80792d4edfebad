/**
 * torchvision's `convert_image_dtype(float)` and `Normalize(mean, std)` on 8-bit pixels, each step
 * rounded to float32 as PyTorch computes it, through a 256-entry table per channel.
 *
 * @module
 */

import type { CroppedPixels } from "./resize.ts";

/** ImageNet channel means (ResNet18_Weights.IMAGENET1K_V1). */
export const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
/** ImageNet channel standard deviations (ResNet18_Weights.IMAGENET1K_V1). */
export const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];

/**
 * For each channel c and byte v, `float32((float32(v / 255) - mean[c]) / std[c])` with mean and
 * std as float32, laid out as `table[c * 256 + v]`.
 */
export function normalizationTable(
  mean: readonly number[] = IMAGENET_MEAN,
  std: readonly number[] = IMAGENET_STD,
): Float32Array {
  const table = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    const m = Math.fround(mean[c]);
    const s = Math.fround(std[c]);
    for (let v = 0; v < 256; v++) {
      const x = Math.fround(v / 255);
      table[c * 256 + v] = Math.fround(x - m) / s;
    }
  }
  return table;
}

const IMAGENET_TABLE: Float32Array = normalizationTable();

/** One row of one channel: `count` table lookups of `data[p]`, `step` bytes apart. */
function writeRow(
  data: Uint8Array,
  p: number,
  step: number,
  count: number,
  table: Float32Array,
  t: number,
  out: Float32Array,
  o: number,
): void {
  for (let i = 0; i < count; i++, p += step) out[o + i] = table[t + data[p]];
}

/**
 * Writes the cropped pixels as a normalised CHW float32 tensor into `out` starting at `offset`
 * (3 × side × side floats; grey pixels fill all three channels).
 */
export function writeChw(
  pixels: CroppedPixels,
  out: Float32Array,
  offset = 0,
  table: Float32Array = IMAGENET_TABLE,
): void {
  const { data, side, channels } = pixels;
  const plane = side * side;
  if (offset < 0 || offset + 3 * plane > out.length) {
    throw new RangeError(
      `tensor of ${3 * plane} floats at offset ${offset} does not fit in ${out.length} floats`,
    );
  }
  // Row by row: small functions called often are optimised whole by V8.
  for (let c = 0; c < 3; c++) {
    const first = channels === 1 ? 0 : c;
    for (let y = 0; y < side; y++) {
      const o = offset + c * plane + y * side;
      writeRow(data, y * side * channels + first, channels, side, table, c * 256, out, o);
    }
  }
}
