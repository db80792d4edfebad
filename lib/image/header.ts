/**
 * Image format sniffing from magic bytes (never the file name or content type) and header-only
 * dimension reading, so over-sized images are refused before any pixel memory is allocated.
 *
 * @module
 */

import { formatPixels, ImageError, undecodable } from "./error.ts";
import { checkJpegComplete, readJpegFrame } from "./jpeg_markers.ts";
import { PNG_SIGNATURE, readPngIhdr } from "./png_chunks.ts";

/** The formats the pipeline decodes. */
export type ImageFormat = "jpeg" | "png";

/** Default pixel limit (width × height) for {@link checkImageSize}. */
export const DEFAULT_MAX_PIXELS = 40_000_000;

/**
 * Decoding work allowed per pixel of the limit, in scans: an image may cost at most
 * `maxPixels × 16` pixel-scans ({@link decodeWork}), so the largest image decodes in 16 passes
 * and a smaller one in proportionally more, up to {@link MAX_JPEG_SCANS}.
 */
export const SCANS_PER_PIXEL_BUDGET = 16;

/** What an image's header says, read without decoding. */
export interface ImageHeader {
  /** Container format, from the magic bytes. */
  format: ImageFormat;
  /** Pixels per row. */
  width: number;
  /** Rows. */
  height: number;
  /** The mode Pillow opens the image in: "RGB", "L", "CMYK", "P", "RGBA", "LA", "I;16", "1". */
  mode: string;
}

const OTHER_FORMATS: ReadonlyArray<[string, (b: Uint8Array) => boolean]> = [
  ["gif", (b) => ascii(b, 0, "GIF87a") || ascii(b, 0, "GIF89a")],
  ["bmp", (b) => ascii(b, 0, "BM")],
  ["webp", (b) => ascii(b, 0, "RIFF") && ascii(b, 8, "WEBP")],
  ["tiff", (b) => ascii(b, 0, "II*\0") || ascii(b, 0, "MM\0*")],
  ["ico", (b) => b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 1 && b[3] === 0],
  ["heif/avif", (b) => ascii(b, 4, "ftyp")],
  ["jpeg2000", (b) => ascii(b, 4, "jP  ") || (b[0] === 0xff && b[1] === 0x4f && b[2] === 0xff)],
  ["jpegxl", (b) => (b[0] === 0xff && b[1] === 0x0a) || ascii(b, 4, "JXL ")],
  ["qoi", (b) => ascii(b, 0, "qoif")],
  ["psd", (b) => ascii(b, 0, "8BPS")],
  ["pdf", (b) => ascii(b, 0, "%PDF")],
];

function ascii(bytes: Uint8Array, at: number, text: string): boolean {
  if (bytes.length < at + text.length) return false;
  for (let i = 0; i < text.length; i++) {
    if (bytes[at + i] !== text.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Names the format of `bytes` from its magic bytes: "jpeg" or "png" (the decodable ones), another
 * known image format's name ("gif", "bmp", "webp", ...), or "unknown".
 */
export function sniffFormat(bytes: Uint8Array): string {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return "jpeg";
  }
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return "png";
  for (const [name, test] of OTHER_FORMATS) if (test(bytes)) return name;
  return "unknown";
}

function unsupported(bytes: Uint8Array, name: string): ImageError {
  if (bytes.length === 0) return new ImageError("unsupported_format", "image is empty (0 bytes)");
  if (name !== "unknown") {
    return new ImageError(
      "unsupported_format",
      `image format ${name} is not supported: send JPEG or PNG`,
    );
  }
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join(" ");
  return new ImageError(
    "unsupported_format",
    `not a JPEG or PNG image: ${bytes.length} bytes starting ${head}`,
  );
}

const JPEG_MODES: Record<number, string> = { 1: "L", 3: "RGB", 4: "CMYK" };

const PNG_MODES: Record<string, string> = {
  "0/1": "1",
  "0/2": "L",
  "0/4": "L",
  "0/8": "L",
  "0/16": "I;16",
  "2/8": "RGB",
  "2/16": "RGB",
  "3/1": "P",
  "3/2": "P",
  "3/4": "P",
  "3/8": "P",
  "4/8": "LA",
  "4/16": "RGBA",
  "6/8": "RGBA",
  "6/16": "RGBA",
};

/**
 * Sniffs the format and reads the dimensions from the header alone. Throws an {@link ImageError}:
 * `unsupported_format` when the magic bytes are not JPEG or PNG (empty data included),
 * `undecodable` when they are but the header is broken (truncated, bad IHDR CRC, 12-bit or
 * 2-component JPEG, ...). Dimensions are not limit-checked here: see {@link checkImageSize}.
 */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  const format = sniffFormat(bytes);
  if (format === "jpeg") {
    const frame = readJpegFrame(bytes);
    const mode = JPEG_MODES[frame.components];
    if (!mode) {
      throw undecodable(`JPEG has ${frame.components} colour components: only 1, 3 or 4 decode`);
    }
    if (frame.precision !== 8) {
      throw undecodable(`JPEG has ${frame.precision}-bit samples: only 8-bit JPEGs decode`);
    }
    return { format, width: frame.width, height: frame.height, mode };
  }
  if (format === "png") {
    const ihdr = readPngIhdr(bytes);
    const mode = PNG_MODES[`${ihdr.colorType}/${ihdr.bitDepth}`];
    return { format, width: ihdr.width, height: ihdr.height, mode };
  }
  throw unsupported(bytes, format);
}

/**
 * Refuses dimensions before decoding: zero width or height → `undecodable`; more than
 * `maxPixels` pixels → `too_large` (e.g. `image is 100000x100000 = 1e10 pixels, over the
 * 40000000 limit`).
 */
export function checkImageSize(header: ImageHeader, maxPixels = DEFAULT_MAX_PIXELS): void {
  if (!(maxPixels > 0)) throw new RangeError(`maxPixels must be positive: got ${maxPixels}`);
  const { width, height } = header;
  if (width === 0 || height === 0) {
    throw undecodable(`image has a zero dimension: ${width}x${height}`);
  }
  const pixels = width * height;
  if (pixels > maxPixels) {
    throw new ImageError(
      "too_large",
      `image is ${width}x${height} = ${formatPixels(pixels)} pixels, over the ${maxPixels} limit`,
    );
  }
}

/**
 * Every check an image gets before decoding: its header (format, dimensions), its size against
 * `maxPixels`, and its decoding work against the budget (see {@link checkDecodeWork}).
 */
export function checkImage(
  bytes: Uint8Array,
  maxPixels = DEFAULT_MAX_PIXELS,
): { header: ImageHeader; work: number } {
  const header = readImageHeader(bytes);
  checkImageSize(header, maxPixels);
  return { header, work: checkDecodeWork(bytes, header, maxPixels) };
}

/**
 * The decoding work of an image whose size passed {@link checkImageSize}, in pixel-scans
 * (width × height × passes: a JPEG's scans, counted by walking its markers to the end-of-image
 * marker; 1 for a PNG). Refuses more than `maxPixels` × {@link SCANS_PER_PIXEL_BUDGET} with
 * `too_complex`, a truncated JPEG with `undecodable`.
 */
export function checkDecodeWork(
  bytes: Uint8Array,
  header: ImageHeader,
  maxPixels = DEFAULT_MAX_PIXELS,
): number {
  const { width, height } = header;
  const scans = header.format === "jpeg" ? checkJpegComplete(bytes, readJpegFrame(bytes).end) : 1;
  const work = width * height * scans;
  const budget = maxPixels * SCANS_PER_PIXEL_BUDGET;
  if (work > budget) {
    throw new ImageError(
      "too_complex",
      `image is ${width}x${height} in ${scans} scans = ${formatPixels(work)} pixel-scans of ` +
        `decoding, over the ${formatPixels(budget)} budget`,
    );
  }
  return work;
}
