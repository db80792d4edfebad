/**
 * JPEG marker walking without decoding: the frame header (SOFn) for dimensions, and a walk over
 * the entropy-coded scans to the end-of-image marker, which tells a truncated file from a whole
 * one (libjpeg pads a truncated file with grey and only warns; Pillow refuses it).
 *
 * @module
 */

import { ImageError, undecodable } from "./error.ts";

/** What a JPEG's frame header says. */
export interface JpegFrame {
  /** Samples per line. */
  width: number;
  /** Lines; 0 means "defined later by a DNL marker", which libjpeg does not support. */
  height: number;
  /** Colour components: 1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK. */
  components: number;
  /** Bits per sample (8 for every JPEG Pillow's 8-bit libjpeg decodes). */
  precision: number;
  /** The SOFn marker byte (0xC0 baseline, 0xC2 progressive, ...). */
  sofMarker: number;
  /** Offset just past the frame header segment. */
  end: number;
}

/**
 * Scans allowed before a file is refused as `too_complex`: libjpeg's default progression has 10,
 * encoders that tune it a few more; each scan is another pass over the image's coefficients.
 */
export const MAX_JPEG_SCANS = 100;

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;

/** True for the SOFn markers (C0–CF less DHT C4, JPG C8 and DAC CC). */
function isSof(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 &&
    marker !== 0xcc;
}

/** True for markers that stand alone, without a length field. */
function isStandalone(marker: number): boolean {
  return marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8);
}

function hex(marker: number): string {
  return `0xFF${marker.toString(16).toUpperCase().padStart(2, "0")}`;
}

/**
 * Finds the next marker at or after `pos`, skipping stray bytes and 0xFF fill bytes as libjpeg
 * and Pillow do. Returns the offset of its 0xFF byte, or -1 if the data ends first.
 */
function nextMarker(bytes: Uint8Array, pos: number): number {
  for (;;) {
    const ff = bytes.indexOf(0xff, pos);
    if (ff < 0 || ff + 1 >= bytes.length) return -1;
    const m = bytes[ff + 1];
    if (m !== 0xff && m !== 0x00) return ff;
    pos = ff + 1;
  }
}

/** Length of the marker segment at `ff` (excluding the marker), checked against the data. */
function segmentLength(bytes: Uint8Array, ff: number, marker: number): number {
  if (ff + 4 > bytes.length) {
    throw undecodable(`JPEG is truncated inside the ${hex(marker)} marker at byte ${ff}`);
  }
  const length = (bytes[ff + 2] << 8) | bytes[ff + 3];
  if (length < 2) {
    throw undecodable(`JPEG marker ${hex(marker)} at byte ${ff} has invalid length ${length}`);
  }
  if (ff + 2 + length > bytes.length) {
    throw undecodable(
      `JPEG is truncated: marker ${hex(marker)} at byte ${ff} declares ${length} bytes ` +
        `but only ${bytes.length - ff - 2} remain`,
    );
  }
  return length;
}

/**
 * Reads the frame header of a JPEG (which must start with SOI), walking marker segments only as
 * far as the first SOFn. Throws `undecodable` for a missing or truncated frame header.
 */
export function readJpegFrame(bytes: Uint8Array): JpegFrame {
  if (bytes.length < 3 || bytes[0] !== 0xff || bytes[1] !== SOI) {
    throw undecodable(`JPEG does not start with the SOI marker`);
  }
  let pos = 2;
  for (;;) {
    const ff = nextMarker(bytes, pos);
    if (ff < 0) {
      throw undecodable(`JPEG ends after ${bytes.length} bytes before its frame header (SOF)`);
    }
    const marker = bytes[ff + 1];
    if (isStandalone(marker)) {
      pos = ff + 2;
      continue;
    }
    if (marker === EOI || marker === SOS) {
      throw undecodable(`JPEG has ${hex(marker)} at byte ${ff} before any frame header (SOF)`);
    }
    const length = segmentLength(bytes, ff, marker);
    if (isSof(marker)) {
      const p = ff + 4;
      if (length < 8) {
        throw undecodable(`JPEG frame header at byte ${ff} is too short: ${length} bytes`);
      }
      const components = bytes[p + 5];
      if (length < 8 + 3 * components) {
        throw undecodable(
          `JPEG frame header at byte ${ff} is ${length} bytes, too short for ${components} components`,
        );
      }
      return {
        precision: bytes[p],
        height: (bytes[p + 1] << 8) | bytes[p + 2],
        width: (bytes[p + 3] << 8) | bytes[p + 4],
        components,
        sofMarker: marker,
        end: ff + 2 + length,
      };
    }
    pos = ff + 2 + length;
  }
}

/**
 * Walks a JPEG from `start` (past its frame header) through every scan's entropy-coded data to
 * the EOI marker. Throws `undecodable` if the data ends first (a truncated file), if a marker
 * segment runs past the end, or if no scan precedes EOI; throws `too_complex` past
 * {@link MAX_JPEG_SCANS} scans (a decode-time bomb). Returns the number of scans.
 */
export function checkJpegComplete(bytes: Uint8Array, start: number): number {
  let pos = start;
  let scans = 0;
  for (;;) {
    const ff = nextMarker(bytes, pos);
    if (ff < 0) {
      throw undecodable(
        `JPEG is truncated: ${bytes.length} bytes end ${
          scans ? `inside scan ${scans}` : "before the first scan"
        } with no end-of-image marker`,
      );
    }
    const marker = bytes[ff + 1];
    if (marker === EOI) {
      if (scans === 0) throw undecodable(`JPEG has no scan before its end-of-image marker`);
      return scans;
    }
    if (isStandalone(marker)) {
      pos = ff + 2;
      continue;
    }
    const length = segmentLength(bytes, ff, marker);
    pos = ff + 2 + length;
    if (marker === SOS) {
      scans++;
      if (scans > MAX_JPEG_SCANS) {
        throw new ImageError(
          "too_complex",
          `JPEG has over ${MAX_JPEG_SCANS} scans: each is a pass over the whole image`,
        );
      }
      // Entropy-coded data: 0xFF is followed by 0x00 (stuffing) or RSTn inside it.
      for (;;) {
        const f = bytes.indexOf(0xff, pos);
        if (f < 0 || f + 1 >= bytes.length) {
          pos = bytes.length;
          break;
        }
        const m = bytes[f + 1];
        if (m === 0x00 || (m >= 0xd0 && m <= 0xd7) || m === 0xff) {
          pos = f + 1;
          continue;
        }
        pos = f;
        break;
      }
    }
  }
}
