/**
 * PNG scanline unfiltering (None, Sub, Up, Average, Paeth), in place.
 *
 * @module
 */

import { undecodable } from "./error.ts";

/**
 * Reverses one row's filter in place: the row's bytes start at `raw[s]`, the row above's at
 * `raw[u]` (ignored when `first`). Throws `undecodable` for a filter type above 4.
 */
function unfilterRow(
  raw: Uint8Array,
  type: number,
  s: number,
  u: number,
  first: boolean,
  rowBytes: number,
  bpp: number,
  row: number,
): void {
  switch (type) {
    case 0:
      break;
    case 1:
      for (let i = bpp; i < rowBytes; i++) raw[s + i] = raw[s + i] + raw[s + i - bpp];
      break;
    case 2:
      if (!first) { for (let i = 0; i < rowBytes; i++) raw[s + i] = raw[s + i] + raw[u + i]; }
      break;
    case 3:
      if (first) {
        for (let i = bpp; i < rowBytes; i++) raw[s + i] = raw[s + i] + (raw[s + i - bpp] >> 1);
      } else {
        for (let i = 0; i < bpp && i < rowBytes; i++) raw[s + i] = raw[s + i] + (raw[u + i] >> 1);
        for (let i = bpp; i < rowBytes; i++) {
          raw[s + i] = raw[s + i] + ((raw[s + i - bpp] + raw[u + i]) >> 1);
        }
      }
      break;
    case 4:
      if (first) {
        // With no row above, Paeth predicts from the left neighbour (Sub).
        for (let i = bpp; i < rowBytes; i++) raw[s + i] = raw[s + i] + raw[s + i - bpp];
      } else {
        for (let i = 0; i < bpp && i < rowBytes; i++) raw[s + i] = raw[s + i] + raw[u + i];
        // Branch-free Paeth: the predictor choice is data-dependent, so branches mispredict.
        for (let i = bpp; i < rowBytes; i++) {
          const a = raw[s + i - bpp];
          const b = raw[u + i];
          const c = raw[u + i - bpp];
          let pa = b - c; // p - a, with p = a + b - c
          let pb = a - c; // p - b
          let pc = pa + pb; // p - c
          pa = (pa ^ (pa >> 31)) - (pa >> 31);
          pb = (pb ^ (pb >> 31)) - (pb >> 31);
          pc = (pc ^ (pc >> 31)) - (pc >> 31);
          const notA = ((pb - pa) | (pc - pa)) >> 31; // -1 unless pa <= pb and pa <= pc
          const notB = (pc - pb) >> 31; // -1 when pc < pb
          const bc = (b & ~notB) | (c & notB);
          raw[s + i] = raw[s + i] + ((a & ~notA) | (bc & notA));
        }
      }
      break;
    default:
      throw undecodable(`PNG row ${row} has unknown filter type ${type}`);
  }
}

/**
 * Reverses the per-row filters of one (sub-)image in place. `raw[offset]` is the first row's
 * filter byte; each row is 1 filter byte + `rowBytes` bytes; `bpp` is bytes per complete pixel
 * (at least 1). The row before the first is taken as zeros. Throws `undecodable` for a filter
 * type above 4.
 */
export function unfilterRows(
  raw: Uint8Array,
  offset: number,
  rows: number,
  rowBytes: number,
  bpp: number,
): void {
  const stride = rowBytes + 1;
  for (let r = 0; r < rows; r++) {
    const f = offset + r * stride;
    // One call per row, so V8 optimises the row function whole (see lib/image/resize.ts).
    unfilterRow(raw, raw[f], f + 1, f + 1 - stride, r === 0, rowBytes, bpp, r);
  }
}
