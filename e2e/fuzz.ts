/**
 * A seeded mutator of image files for the bad-input barrage: generic byte mutations (bit flips,
 * byte sets, inserts, deletes, truncation, chunk duplication, splices) and format-aware ones
 * (JPEG SOF dimensions, component counts and sampling factors, segment lengths, removed markers;
 * PNG IHDR fields with the CRC fixed so the corruption reaches the decoder, chunk lengths, IDAT
 * bytes with a valid CRC, broken CRCs, missing IEND). The same seed gives the same cases on every
 * machine (lib/shared/rng.ts).
 *
 * @module
 */
import { crc32 } from "../lib/image/mod.ts";
import { createRng, type Rng } from "../lib/shared/mod.ts";

/** A seed file the mutator starts from. */
export interface SeedFile {
  /** File name (for the case name). */
  name: string;
  /** Its bytes. */
  bytes: Uint8Array;
}

/** One generated case. */
export interface FuzzCase {
  /** `seed-file/mutation`. */
  name: string;
  /** The mutated bytes. */
  bytes: Uint8Array;
  /** Content type to send it with. */
  contentType: string;
}

type Mutation = (bytes: Uint8Array, rng: Rng, other: Uint8Array) => Uint8Array | undefined;

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];
const INTERESTING_U16 = [0, 1, 2, 7, 8, 255, 256, 4096, 32767, 32768, 65534, 65535];
const INTERESTING_U32 = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 65536, 100000, 1 << 24];

const int = (rng: Rng, n: number) => Math.floor(rng.uniform() * n);
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[int(rng, xs.length)];

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Offsets of JPEG markers `0xFF code` with a length field (SOFn, DHT, DQT, SOS, APPn, ...). */
function jpegSegments(bytes: Uint8Array): { offset: number; code: number; length: number }[] {
  const out = [];
  let i = 2;
  while (i + 4 <= bytes.length && bytes[i] === 0xff) {
    const code = bytes[i + 1];
    const length = (bytes[i + 2] << 8) | bytes[i + 3];
    out.push({ offset: i, code, length });
    if (code === 0xda) break; // entropy-coded data follows SOS
    i += 2 + length;
  }
  return out;
}

/** PNG chunks: offset of the length field, data length, type. */
function pngChunks(bytes: Uint8Array): { offset: number; length: number; type: string }[] {
  const out = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let i = 8;
  while (i + 12 <= bytes.length) {
    const length = view.getUint32(i);
    const type = String.fromCharCode(...bytes.subarray(i + 4, i + 8));
    out.push({ offset: i, length, type });
    i += 12 + length;
  }
  return out;
}

function fixPngCrc(bytes: Uint8Array, chunk: { offset: number; length: number }): void {
  const end = chunk.offset + 8 + chunk.length;
  if (end + 4 > bytes.length) return;
  const crc = crc32(bytes, chunk.offset + 4, end);
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(end, crc >>> 0);
}

const generic: Record<string, Mutation> = {
  bitflip(b, rng) {
    const out = b.slice();
    for (let k = 1 + int(rng, 8); k > 0; k--) out[int(rng, out.length)] ^= 1 << int(rng, 8);
    return out;
  },
  byteset(b, rng) {
    const out = b.slice();
    for (let k = 1 + int(rng, 4); k > 0; k--) out[int(rng, out.length)] = pick(rng, INTERESTING);
    return out;
  },
  headerflip(b, rng) { // flips inside the first 512 bytes, where the headers live
    const out = b.slice();
    const span = Math.min(out.length, 512);
    for (let k = 1 + int(rng, 4); k > 0; k--) out[int(rng, span)] ^= 1 << int(rng, 8);
    return out;
  },
  insert(b, rng) {
    const at = int(rng, b.length + 1);
    const chunk = new Uint8Array(1 + int(rng, 64)).map(() => int(rng, 256));
    return concat(b.subarray(0, at), chunk, b.subarray(at));
  },
  delete(b, rng) {
    const at = int(rng, b.length);
    const n = 1 + int(rng, Math.min(256, b.length - at));
    return concat(b.subarray(0, at), b.subarray(at + n));
  },
  truncate(b, rng) {
    return b.slice(0, int(rng, b.length));
  },
  duplicate(b, rng) {
    const at = int(rng, b.length);
    const n = 1 + int(rng, Math.min(4096, b.length - at));
    return concat(b.subarray(0, at + n), b.subarray(at, at + n), b.subarray(at + n));
  },
  splice(b, rng, other) {
    return concat(b.subarray(0, int(rng, b.length)), other.subarray(int(rng, other.length)));
  },
};

const jpeg: Record<string, Mutation> = {
  sofDims(b, rng) {
    const sof = jpegSegments(b).find((s) => s.code >= 0xc0 && s.code <= 0xcf && s.code !== 0xc4);
    if (!sof) return undefined;
    const out = b.slice();
    const at = sof.offset + 5 + 2 * int(rng, 2); // height or width
    const v = pick(rng, INTERESTING_U16);
    out[at] = v >> 8;
    out[at + 1] = v & 0xff;
    return out;
  },
  sofComponents(b, rng) {
    const sof = jpegSegments(b).find((s) => s.code >= 0xc0 && s.code <= 0xc2);
    if (!sof) return undefined;
    const out = b.slice();
    const field = int(rng, 3);
    if (field === 0) out[sof.offset + 4] = pick(rng, [0, 1, 7, 12, 16, 255]); // precision
    else if (field === 1) out[sof.offset + 9] = pick(rng, [0, 2, 5, 255]); // component count
    else out[sof.offset + 11] = pick(rng, [0x00, 0x05, 0x44, 0xff, 0x11]); // sampling factors
    return out;
  },
  segmentLength(b, rng) {
    const segs = jpegSegments(b);
    if (segs.length === 0) return undefined;
    const s = pick(rng, segs);
    const out = b.slice();
    const v = pick(rng, [0, 1, 2, 3, s.length + 1, s.length - 1, 65535]);
    out[s.offset + 2] = (v >> 8) & 0xff;
    out[s.offset + 3] = v & 0xff;
    return out;
  },
  dropSegment(b, rng) {
    const segs = jpegSegments(b).filter((s) => s.code !== 0xda);
    if (segs.length === 0) return undefined;
    const s = pick(rng, segs);
    return concat(b.subarray(0, s.offset), b.subarray(s.offset + 2 + s.length));
  },
  tableBytes(b, rng) { // corrupt inside a DHT or DQT table
    const segs = jpegSegments(b).filter((s) => s.code === 0xc4 || s.code === 0xdb);
    if (segs.length === 0) return undefined;
    const s = pick(rng, segs);
    const out = b.slice();
    for (let k = 1 + int(rng, 3); k > 0; k--) {
      out[s.offset + 4 + int(rng, Math.max(1, s.length - 2))] = pick(rng, INTERESTING);
    }
    return out;
  },
  noEoi(b) {
    return b.length > 2 && b[b.length - 2] === 0xff ? b.slice(0, b.length - 2) : undefined;
  },
};

const png: Record<string, Mutation> = {
  ihdr(b, rng) {
    const out = b.slice();
    const view = new DataView(out.buffer);
    const field = int(rng, 5);
    if (field < 2) view.setUint32(16 + 4 * field, pick(rng, INTERESTING_U32));
    else if (field === 2) out[24] = pick(rng, [0, 1, 2, 3, 4, 5, 7, 8, 16, 32, 255]); // depth
    else if (field === 3) out[25] = pick(rng, [0, 1, 2, 3, 4, 5, 6, 7, 255]); // colour type
    else out[26 + int(rng, 3)] = pick(rng, [1, 2, 255]); // compression/filter/interlace
    fixPngCrc(out, { offset: 8, length: 13 });
    return out;
  },
  chunkLength(b, rng) {
    const chunks = pngChunks(b);
    if (chunks.length === 0) return undefined;
    const c = pick(rng, chunks);
    const out = b.slice();
    new DataView(out.buffer).setUint32(c.offset, pick(rng, INTERESTING_U32));
    return out;
  },
  idatBytes(b, rng) { // garbage into the zlib stream, with a valid CRC so it is inflated
    const idats = pngChunks(b).filter((c) => c.type === "IDAT" && c.length > 0);
    if (idats.length === 0) return undefined;
    const c = pick(rng, idats);
    const out = b.slice();
    for (let k = 1 + int(rng, 8); k > 0; k--) {
      const at = c.offset + 8 + int(rng, c.length);
      if (at < out.length) out[at] ^= 1 << int(rng, 8);
    }
    fixPngCrc(out, c);
    return out;
  },
  dropChunk(b, rng) {
    const chunks = pngChunks(b);
    if (chunks.length === 0) return undefined;
    const c = pick(rng, chunks);
    return concat(b.subarray(0, c.offset), b.subarray(c.offset + 12 + c.length));
  },
  badCrc(b, rng) {
    const chunks = pngChunks(b);
    if (chunks.length === 0) return undefined;
    const c = pick(rng, chunks);
    const out = b.slice();
    const at = c.offset + 8 + c.length;
    if (at < out.length) out[at] ^= 0xff;
    return out;
  },
};

/** Every mutation name, by the formats it applies to. */
export const MUTATIONS = {
  generic: Object.keys(generic),
  jpeg: Object.keys(jpeg),
  png: Object.keys(png),
};

function formatOf(bytes: Uint8Array): "jpeg" | "png" | "other" {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return "jpeg";
  if (bytes[0] === 0x89 && bytes[1] === 0x50) return "png";
  return "other";
}

/**
 * `count` mutated cases of `seeds`, deterministic in `seed`. Half the cases use a format-aware
 * mutation when the file's format has some; one case in eight stacks a second mutation. The
 * content type is the seed's own most of the time, sometimes the other image type or none.
 */
export function generateCases(seeds: SeedFile[], count: number, seed: number): FuzzCase[] {
  if (seeds.length === 0) throw new Error("generateCases needs at least one seed file");
  const rng = createRng(seed >>> 0);
  const cases: FuzzCase[] = [];
  while (cases.length < count) {
    const file = pick(rng, seeds);
    const other = pick(rng, seeds).bytes;
    const format = formatOf(file.bytes);
    const aware = format === "jpeg" ? jpeg : format === "png" ? png : {};
    const table = Object.keys(aware).length > 0 && rng.uniform() < 0.5 ? aware : generic;
    const name = pick(rng, Object.keys(table));
    let bytes = table[name](file.bytes, rng, other);
    if (!bytes || bytes.length === 0) continue;
    let label = name;
    if (rng.uniform() < 0.125) {
      const second = pick(rng, Object.keys(generic));
      bytes = generic[second](bytes, rng, other) ?? bytes;
      label += `+${second}`;
    }
    if (bytes.length === 0) continue;
    const own = format === "png" ? "image/png" : "image/jpeg";
    const roll = rng.uniform();
    const contentType = roll < 0.8
      ? own
      : roll < 0.9
      ? (own === "image/png" ? "image/jpeg" : "image/png")
      : "application/octet-stream";
    cases.push({ name: `${file.name}/${label}`, bytes, contentType });
  }
  return cases;
}

/** Reads the seed files of a directory (`.jpg`, `.jpeg`, `.png`), sorted by name. */
export async function readSeeds(
  dir: string,
  options: { maxBytes?: number } = {},
): Promise<SeedFile[]> {
  const seeds: SeedFile[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile || !/\.(jpe?g|png)$/i.test(entry.name)) continue;
    const bytes = await Deno.readFile(`${dir}/${entry.name}`);
    if (bytes.length <= (options.maxBytes ?? Infinity)) seeds.push({ name: entry.name, bytes });
  }
  return seeds.sort((a, b) => a.name < b.name ? -1 : 1);
}
