/**
 * PNG chunk walking as Pillow does it: signature, IHDR, CRCs of every chunk before the first IDAT
 * (Pillow raises "broken PNG file" on a mismatch there and does not check IDAT or later CRCs),
 * the palette, and the consecutive run of IDAT chunks that holds the image data.
 *
 * @module
 */

import { undecodable } from "./error.ts";

/** The 8-byte PNG signature. */
export const PNG_SIGNATURE: readonly number[] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The fields of a PNG's IHDR chunk. */
export interface PngIhdr {
  /** Pixels per row. */
  width: number;
  /** Rows. */
  height: number;
  /** Bits per sample: 1, 2, 4, 8 or 16. */
  bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  colorType: number;
  /** 0 none, 1 Adam7. */
  interlace: number;
}

/** Everything the decoder needs from the chunk stream. */
export interface PngChunks {
  /** The header. */
  ihdr: PngIhdr;
  /** PLTE entries as RGB triplets, or undefined when there is no PLTE chunk. */
  palette?: Uint8Array;
  /** The payloads of the first run of consecutive IDAT chunks, in order (views, not copies). */
  idat: Uint8Array[];
}

const VALID_DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

function makeCrcTable(): Int32Array {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
}

// Signed 32-bit entries keep the CRC loop in int32 arithmetic.
const CRC_TABLE: Int32Array = makeCrcTable();

/** CRC-32 (ISO 3309, as PNG uses) of `bytes[start, end)`. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = -1;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function u32(bytes: Uint8Array, p: number): number {
  return ((bytes[p] << 24) | (bytes[p + 1] << 16) | (bytes[p + 2] << 8) | bytes[p + 3]) >>> 0;
}

function chunkType(bytes: Uint8Array, p: number): string {
  return String.fromCharCode(bytes[p], bytes[p + 1], bytes[p + 2], bytes[p + 3]);
}

/** Pillow's chunk-type check, `\w` on bytes: ASCII letters, digits and underscore. */
function isWordByte(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) ||
    b === 0x5f;
}

/** A chunk's header at `p`, checked to fit in the data and to have a valid type. */
function chunkAt(bytes: Uint8Array, p: number): { type: string; length: number } {
  if (p + 8 > bytes.length) {
    throw undecodable(`PNG is truncated: chunk header at byte ${p} of ${bytes.length}`);
  }
  const length = u32(bytes, p);
  for (let i = 4; i < 8; i++) {
    if (!isWordByte(bytes[p + i])) {
      throw undecodable(`broken PNG file: chunk at byte ${p} has an invalid type`);
    }
  }
  const type = chunkType(bytes, p + 4);
  if (p + 12 + length > bytes.length) {
    throw undecodable(
      `PNG is truncated: ${type} chunk at byte ${p} declares ${length} bytes ` +
        `but only ${Math.max(0, bytes.length - p - 12)} remain`,
    );
  }
  return { type, length };
}

function checkCrc(bytes: Uint8Array, p: number, type: string, length: number): void {
  const stored = u32(bytes, p + 8 + length);
  const actual = crc32(bytes, p + 4, p + 8 + length);
  if (stored !== actual) {
    throw undecodable(
      `broken PNG file: bad CRC in ${type} chunk at byte ${p} ` +
        `(stored 0x${stored.toString(16)}, computed 0x${actual.toString(16)})`,
    );
  }
}

/**
 * Reads and validates the IHDR chunk (which must come first, with a good CRC). Throws
 * `undecodable` for a broken or unsupported header. Zero dimensions are returned as they are.
 */
export function readPngIhdr(bytes: Uint8Array): PngIhdr {
  for (let i = 0; i < 8; i++) {
    if (bytes[i] !== PNG_SIGNATURE[i]) throw undecodable("PNG signature is broken");
  }
  const { type, length } = chunkAt(bytes, 8);
  if (type !== "IHDR" || length < 13) {
    throw undecodable(`PNG does not start with an IHDR chunk: found ${type} of ${length} bytes`);
  }
  checkCrc(bytes, 8, type, length);
  const p = 16;
  const ihdr: PngIhdr = {
    width: u32(bytes, p),
    height: u32(bytes, p + 4),
    bitDepth: bytes[p + 8],
    colorType: bytes[p + 9],
    interlace: bytes[p + 12],
  };
  const depths = VALID_DEPTHS[ihdr.colorType];
  if (!depths || !depths.includes(ihdr.bitDepth)) {
    throw undecodable(
      `PNG has an unsupported bit depth ${ihdr.bitDepth} for colour type ${ihdr.colorType}`,
    );
  }
  if (bytes[p + 10] !== 0) throw undecodable(`PNG compression method ${bytes[p + 10]} unknown`);
  if (bytes[p + 11] !== 0) throw undecodable(`PNG filter method ${bytes[p + 11]} unknown`);
  if (ihdr.interlace > 1) throw undecodable(`PNG interlace method ${ihdr.interlace} unknown`);
  return ihdr;
}

/**
 * Walks the chunk stream up to the end of the first run of IDAT chunks, checking CRCs before it.
 * Chunks after the image data are not read (Pillow ignores them too, IEND included).
 */
export function readPngChunks(bytes: Uint8Array): PngChunks {
  const ihdr = readPngIhdr(bytes);
  let p = 8 + 12 + u32(bytes, 8);
  let palette: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  for (;;) {
    // After the image data, anything but another IDAT ends the walk, even a broken chunk.
    if (idat.length > 0 && (p + 8 > bytes.length || chunkType(bytes, p + 4) !== "IDAT")) break;
    const { type, length } = chunkAt(bytes, p);
    if (type === "IDAT") {
      idat.push(bytes.subarray(p + 8, p + 8 + length));
    } else {
      checkCrc(bytes, p, type, length);
      if (type === "IEND") throw undecodable(`PNG has no image data (IEND before any IDAT)`);
      if (type === "PLTE") {
        const entries = Math.min(256, Math.floor(length / 3));
        palette = bytes.subarray(p + 8, p + 8 + 3 * entries);
      }
    }
    p += 12 + length;
  }
  return { ihdr, palette, idat };
}
