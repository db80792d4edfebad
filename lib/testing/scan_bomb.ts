/**
 * A crafted JPEG for tests of the decoding-work bound: a grey frame of any size whose scans hold
 * one byte each, so its markers declare the work of a many-scan progressive file in a few bytes.
 *
 * @module
 */

function segment(marker: number, payload: number[]): number[] {
  const length = payload.length + 2;
  return [0xff, marker, length >> 8, length & 0xff, ...payload];
}

/** A grey JPEG of `width` × `height` with `scans` one-byte scans, from SOI to EOI. */
export function scanBomb(width: number, height: number, scans: number): Uint8Array {
  const sof = segment(0xc0, [
    8,
    height >> 8,
    height & 0xff,
    width >> 8,
    width & 0xff,
    1,
    1,
    0x11,
    0,
  ]);
  const sos = [...segment(0xda, [1, 1, 0, 0, 63, 0]), 7];
  return Uint8Array.from([0xff, 0xd8, ...sof, ...Array(scans).fill(sos).flat(), 0xff, 0xd9]);
}
