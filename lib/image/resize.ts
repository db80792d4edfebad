/**
 * torchvision's `Resize(256)` + `CenterCrop(224)` on a PIL image, bit-exact: Pillow's
 * `ImagingResample` with the bilinear filter (antialiased: support scaled by the downscale
 * factor), coefficients normalised in double then rounded to 22-bit fixed point, horizontal pass
 * first into an 8-bit intermediate, then the vertical pass.
 *
 * Only the cropped output columns and rows are computed (each output pixel depends on its own
 * coefficients alone), so the result equals resize-then-crop at a fraction of the cost.
 *
 * @module
 */

import type { PixelView } from "./pixels.ts";

/** Pillow's fixed-point precision for 8-bit resampling: 32 - 8 - 2. */
export const PRECISION_BITS = 22;
const HALF = 1 << (PRECISION_BITS - 1);

/** Resampling coefficients for a run of output positions. */
export interface Coefficients {
  /** Per output position: first input index, then the number of taps (0 for padding). */
  bounds: Int32Array;
  /** `ksize` fixed-point weights per output position. */
  weights: Int32Array;
  /** Weight slots per output position. */
  ksize: number;
}

/** The cropped pixels: `side` × `side`, row-major, `channels` bytes per pixel (1 grey, 3 RGB). */
export interface CroppedPixels {
  /** Pixel bytes, HWC. */
  data: Uint8Array;
  /** Width and height of the crop. */
  side: number;
  /** 1 (grey, R = G = B) or 3 (RGB). */
  channels: 1 | 3;
}

/**
 * torchvision's output size for `Resize(size)` on a `width` × `height` image: the shorter side
 * becomes `size`, the longer `int(size * long / short)`.
 */
export function resizedSize(
  width: number,
  height: number,
  size: number,
): { width: number; height: number } {
  if (width <= height) return { width: size, height: Math.trunc((size * height) / width) };
  return { width: Math.trunc((size * width) / height), height: size };
}

/** Python's `round()` for halves: to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Index in the resized image of the crop's first row or column, as torchvision's `center_crop`
 * places it: `int(round((size - crop) / 2))`, or minus the zero padding before the image when
 * the crop is larger than the image.
 */
export function centerCropOffset(size: number, crop: number): number {
  return size >= crop ? roundHalfEven((size - crop) / 2) : -Math.floor((crop - size) / 2);
}

function bilinear(x: number): number {
  if (x < 0) x = -x;
  return x < 1 ? 1 - x : 0;
}

/**
 * Pillow's `precompute_coeffs` (bilinear, box = whole image) and `normalize_coeffs_8bpc` for the
 * output positions `first` .. `first + count - 1` of an `inSize` → `outSize` resize. Positions
 * outside `0 .. outSize - 1` (crop padding) get no taps.
 */
export function bilinearCoefficients(
  inSize: number,
  outSize: number,
  first: number,
  count: number,
): Coefficients {
  const scale = Math.fround(inSize) / outSize; // Pillow's box edges are C floats
  const filterscale = scale < 1 ? 1 : scale;
  const support = filterscale; // bilinear support 1.0, scaled
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(count * 2);
  const weights = new Int32Array(count * ksize);
  const pre = new Float64Array(ksize);
  const ss = 1 / filterscale;
  for (let j = 0; j < count; j++) {
    const xx = first + j;
    if (xx < 0 || xx >= outSize) continue;
    const center = (xx + 0.5) * scale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = bilinear((x + xmin - center + 0.5) * ss);
      pre[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const k = ww !== 0 ? pre[x] / ww : pre[x];
      weights[j * ksize + x] = k < 0
        ? Math.trunc(-0.5 + k * (1 << PRECISION_BITS))
        : Math.trunc(0.5 + k * (1 << PRECISION_BITS));
    }
    bounds[2 * j] = xmin;
    bounds[2 * j + 1] = xmax;
  }
  return { bounds, weights, ksize };
}

// The passes work one row per call: V8 then optimises these small functions as a whole,
// instead of re-entering on-stack-replaced code for the loops of a once-per-image function.

/** One grey source row (from `data[p0]`, pixels `ps` bytes apart) → `tmp[o..]`. */
function horizontalGreyRow(
  data: Uint8Array,
  p0: number,
  ps: number,
  h: Coefficients,
  tmp: Uint8Array,
  o: number,
): void {
  const { bounds, weights, ksize } = h;
  const cols = bounds.length >> 1;
  for (let xx = 0; xx < cols; xx++) {
    const n = bounds[2 * xx + 1];
    let p = p0 + bounds[2 * xx] * ps;
    let k = xx * ksize;
    let s0 = HALF;
    for (let i = 0; i < n; i++, p += ps) s0 += data[p] * weights[k++];
    s0 >>= PRECISION_BITS;
    tmp[o++] = s0 > 255 ? 255 : s0;
  }
}

/** One RGB source row (from `data[p0]`, pixels `ps` bytes apart) → `tmp[o..]`. */
function horizontalRgbRow(
  data: Uint8Array,
  p0: number,
  ps: number,
  h: Coefficients,
  tmp: Uint8Array,
  o: number,
): void {
  const { bounds, weights, ksize } = h;
  const cols = bounds.length >> 1;
  for (let xx = 0; xx < cols; xx++) {
    const n = bounds[2 * xx + 1];
    let p = p0 + bounds[2 * xx] * ps;
    let k = xx * ksize;
    let s0 = HALF, s1 = HALF, s2 = HALF;
    for (let i = 0; i < n; i++, p += ps) {
      const w = weights[k++];
      s0 += data[p] * w;
      s1 += data[p + 1] * w;
      s2 += data[p + 2] * w;
    }
    s0 >>= PRECISION_BITS;
    s1 >>= PRECISION_BITS;
    s2 >>= PRECISION_BITS;
    tmp[o++] = s0 > 255 ? 255 : s0;
    tmp[o++] = s1 > 255 ? 255 : s1;
    tmp[o++] = s2 > 255 ? 255 : s2;
  }
}

/** One output row: `n` taps over `tmp` rows from `first`, weights from `weights[k]`. */
function verticalRow(
  tmp: Uint8Array,
  first: number,
  n: number,
  weights: Int32Array,
  k: number,
  rowLen: number,
  acc: Int32Array,
  out: Uint8Array,
  o: number,
): void {
  acc.fill(HALF);
  for (let i = 0; i < n; i++) {
    const w = weights[k + i];
    const base = (first + i) * rowLen;
    for (let c = 0; c < rowLen; c++) acc[c] += tmp[base + c] * w;
  }
  for (let c = 0; c < rowLen; c++) {
    const x = acc[c] >> PRECISION_BITS;
    out[o + c] = x > 255 ? 255 : x;
  }
}

let scratch = new Uint8Array(0);

/**
 * The horizontal pass's rows, in one buffer kept from call to call: it never leaves
 * {@link resizeCenterCrop}, and reusing it spares a fresh allocation (page faults) per image.
 */
function rowScratch(bytes: number): Uint8Array {
  if (scratch.length < bytes) scratch = new Uint8Array(bytes);
  return scratch.subarray(0, bytes);
}

/**
 * `Resize(resize)` (Pillow bilinear, antialiased) then `CenterCrop(crop)` of the decoded image,
 * computing only the cropped pixels. Crop positions outside the resized image are 0, as
 * torchvision pads.
 */
export function resizeCenterCrop(view: PixelView, resize = 256, crop = 224): CroppedPixels {
  const size = resizedSize(view.width, view.height, resize);
  const h = bilinearCoefficients(view.width, size.width, centerCropOffset(size.width, crop), crop);
  const v = bilinearCoefficients(
    view.height,
    size.height,
    centerCropOffset(size.height, crop),
    crop,
  );
  let y0 = view.height;
  let y1 = 0;
  for (let j = 0; j < crop; j++) {
    const n = v.bounds[2 * j + 1];
    if (n === 0) continue;
    y0 = Math.min(y0, v.bounds[2 * j]);
    y1 = Math.max(y1, v.bounds[2 * j] + n);
  }
  const channels = view.grey ? 1 : 3;
  const rows = Math.max(0, y1 - y0);
  const rowLen = crop * channels;
  const tmp = rowScratch(rows * rowLen); // every byte is written below before it is read
  const row = view.grey ? horizontalGreyRow : horizontalRgbRow;
  for (let r = 0; r < rows; r++) {
    row(view.data, view.offset + (y0 + r) * view.rowStride, view.pixelStride, h, tmp, r * rowLen);
  }
  const data = new Uint8Array(crop * rowLen);
  const acc = new Int32Array(rowLen);
  for (let yy = 0; yy < crop; yy++) {
    const n = v.bounds[2 * yy + 1];
    verticalRow(
      tmp,
      v.bounds[2 * yy] - y0,
      n,
      v.weights,
      yy * v.ksize,
      rowLen,
      acc,
      data,
      yy * rowLen,
    );
  }
  return { data, side: crop, channels };
}
