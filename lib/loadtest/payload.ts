/**
 * Request bodies of the load tester: images from a directory or synthetic JPEGs, sent as the
 * seed's multipart field `image` or as a raw body, and a seeded pick per request.
 *
 * Bodies are built once before the run (multipart framing included), so sending costs no
 * encoding.
 *
 * @module
 */
import { syntheticJpeg } from "../image/mod.ts";
import type { Rng } from "../shared/mod.ts";

/** One image to send. */
export interface Image {
  /** File name (used as the multipart filename). */
  name: string;
  /** MIME type: `image/jpeg` or `image/png`. */
  type: string;
  /** The file's bytes. */
  bytes: Uint8Array<ArrayBuffer>;
}

/** A ready-to-send body. */
export interface Payload {
  /** The image's name, for logs. */
  name: string;
  /** The request body. */
  body: Uint8Array<ArrayBuffer>;
  /** The request's Content-Type header. */
  contentType: string;
}

/** How images travel: multipart form field (the seed's contract) or raw body. */
export type BodyMode = "multipart" | "raw";

/** The multipart boundary (fixed: bodies are reproducible). */
export const BOUNDARY = "----resnet-hpa-cpa-loadtest-7d1c5a";

const TYPES: Record<string, string> = {
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".png": "image/png",
};

/** The MIME type of an image file name by extension, or undefined for other files. */
export function imageTypeOf(name: string): string | undefined {
  const dot = name.lastIndexOf(".");
  return dot < 0 ? undefined : TYPES[name.slice(dot).toLowerCase()];
}

/** Parses `WxH` (e.g. `224x224`), each side 1…8192. */
export function parseSize(text: string): { width: number; height: number } {
  const m = /^(\d+)[xX](\d+)$/.exec(text.trim());
  const width = m ? Number(m[1]) : NaN, height = m ? Number(m[2]) : NaN;
  if (!m || width < 1 || height < 1 || width > 8192 || height > 8192) {
    throw new RangeError(`size must be WxH with sides 1..8192: got "${text}"`);
  }
  return { width, height };
}

/** A {@link syntheticJpeg} as an image to send. */
export function syntheticImage(
  width: number,
  height: number,
  rng: Rng,
  name = "synthetic.jpg",
): Image {
  return { name, type: "image/jpeg", bytes: syntheticJpeg(width, height, rng) };
}

/** Builds the body of one image: multipart with the file under `field`, or the raw bytes. */
export function buildPayload(image: Image, mode: BodyMode, field = "image"): Payload {
  if (mode === "raw") return { name: image.name, body: image.bytes, contentType: image.type };
  const enc = new TextEncoder();
  const safeName = image.name.replace(/["\r\n\\]/g, "_");
  const head = enc.encode(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"; filename="${safeName}"\r\n` +
      `Content-Type: ${image.type}\r\n\r\n`,
  );
  const tail = enc.encode(`\r\n--${BOUNDARY}--\r\n`);
  const body = new Uint8Array(head.length + image.bytes.length + tail.length);
  body.set(head, 0);
  body.set(image.bytes, head.length);
  body.set(tail, head.length + image.bytes.length);
  return { name: image.name, body, contentType: `multipart/form-data; boundary=${BOUNDARY}` };
}

/** Which payload each of `count` requests carries: a seeded uniform pick among `choices`. */
export function pickPayloads(count: number, choices: number, rng: Rng): Uint32Array {
  if (!Number.isInteger(choices) || choices < 1) {
    throw new RangeError(`payload choices must be a whole number ≥ 1: got ${choices}`);
  }
  const picks = new Uint32Array(count);
  if (choices > 1) { for (let i = 0; i < count; i++) picks[i] = rng.nextU32() % choices; }
  return picks;
}

/** Reads every .jpg/.jpeg/.png file of a directory, sorted by name; throws if there is none. */
export async function readImageDir(dir: string): Promise<Image[]> {
  const images: Image[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const type = imageTypeOf(entry.name);
    if (!entry.isFile || !type) continue;
    images.push({ name: entry.name, type, bytes: await Deno.readFile(`${dir}/${entry.name}`) });
  }
  if (images.length === 0) throw new RangeError(`images dir has no .jpg/.jpeg/.png files: ${dir}`);
  return images.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
