/**
 * PNG scanline unfiltering (None, Sub, Up, Average, Paeth), in place.
 *
 * @module
 */

import { undecodable } from "./image_error.ts";

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
    const s = f + 1; // first byte of this row
    const u = s - stride; // first byte of the row above (only read when r > 0)
    const type = raw[f];
    switch (type) {
      case 0:
        break;
      case 1:
        for (let i = bpp; i < rowBytes; i++) raw[s + i] = raw[s + i] + raw[s + i - bpp];
        break;
      case 2:
        if (r > 0) { for (let i = 0; i < rowBytes; i++) raw[s + i] = raw[s + i] + raw[u + i]; }
        break;
      case 3:
        if (r === 0) {
          for (let i = bpp; i < rowBytes; i++) raw[s + i] = raw[s + i] + (raw[s + i - bpp] >> 1);
        } else {
          for (let i = 0; i < bpp && i < rowBytes; i++) raw[s + i] = raw[s + i] + (raw[u + i] >> 1);
          for (let i = bpp; i < rowBytes; i++) {
            raw[s + i] = raw[s + i] + ((raw[s + i - bpp] + raw[u + i]) >> 1);
          }
        }
        break;
      case 4:
        if (r === 0) {
          // With no row above, Paeth predicts from the left neighbour (Sub).
          for (let i = bpp; i < rowBytes; i++) raw[s + i] = raw[s + i] + raw[s + i - bpp];
        } else {
          for (let i = 0; i < bpp && i < rowBytes; i++) raw[s + i] = raw[s + i] + raw[u + i];
          for (let i = bpp; i < rowBytes; i++) {
            const a = raw[s + i - bpp];
            const b = raw[u + i];
            const c = raw[u + i - bpp];
            const pa = b > c ? b - c : c - b; // |p - a| with p = a + b - c
            const pb = a > c ? a - c : c - a; // |p - b|
            const pc = Math.abs(a + b - c - c); // |p - c|
            raw[s + i] = raw[s + i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          }
        }
        break;
      default:
        throw undecodable(`PNG row ${r} has unknown filter type ${type}`);
    }
  }
}
