import assert from "node:assert/strict";
import { formatPixels, ImageError } from "./error.ts";
import {
  checkDecodeWork,
  checkImageSize,
  DEFAULT_MAX_PIXELS,
  type ImageHeader,
  readImageHeader,
  sniffFormat,
} from "./header.ts";
import { checkJpegComplete, MAX_JPEG_SCANS, readJpegFrame } from "./jpeg_markers.ts";
import { scanBomb } from "../testing/scan_bomb.ts";

const IMAGES = new URL("../../testdata/images/", import.meta.url);
const BAD = new URL("../../testdata/bad_inputs/", import.meta.url);
const read = (dir: URL, name: string) => Deno.readFileSync(new URL(name, dir));
const ascii = (s: string) => new TextEncoder().encode(s);

function assertImageError(fn: () => unknown, code: string, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ImageError, `expected ImageError, got ${e}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

/** A minimal JPEG byte stream from marker segments (each: marker byte and payload). */
function jpeg(...parts: (number[] | Uint8Array)[]): Uint8Array {
  return Uint8Array.from([0xff, 0xd8, ...parts.flatMap((p) => [...p])]);
}
function segment(marker: number, payload: number[]): number[] {
  const length = payload.length + 2;
  return [0xff, marker, length >> 8, length & 0xff, ...payload];
}
const SOF0 = segment(0xc0, [8, 0, 16, 0, 32, 1, 1, 0x11, 0]); // 32x16 grey
const SOS = segment(0xda, [1, 1, 0, 0, 63, 0]);
const EOI = [0xff, 0xd9];

Deno.test("sniffFormat", async (t) => {
  const cases: [string, Uint8Array, string][] = [
    ["jpeg magic", Uint8Array.from([0xff, 0xd8, 0xff, 0xe0]), "jpeg"],
    ["png signature", Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), "png"],
    ["gif87a", ascii("GIF87a....."), "gif"],
    ["gif89a", ascii("GIF89a....."), "gif"],
    ["bmp", ascii("BM:\0\0\0"), "bmp"],
    ["webp", ascii("RIFF\0\0\0\0WEBPVP8 "), "webp"],
    ["tiff little-endian", ascii("II*\0\0\0\0\0"), "tiff"],
    ["avif/heif", ascii("\0\0\0\x20ftypavif"), "heif/avif"],
    ["html", ascii("<html><body>hello</body></html>"), "unknown"],
    ["png signature cut short", Uint8Array.from([0x89, 0x50, 0x4e, 0x47]), "unknown"],
    ["jpeg SOI without a marker", Uint8Array.from([0xff, 0xd8]), "unknown"],
    ["empty", new Uint8Array(0), "unknown"],
  ];
  for (const [name, bytes, want] of cases) {
    await t.step(name, () => assert.equal(sniffFormat(bytes), want));
  }
  await t.step("ignores the extension: text named .jpg", () => {
    assert.equal(sniffFormat(read(BAD, "text_as_image.jpg")), "unknown");
  });
});

Deno.test("readImageHeader", async (t) => {
  const good: [string, Omit<ImageHeader, "format">, string][] = [
    ["synthetic_640x480_q90.jpg", { width: 640, height: 480, mode: "RGB" }, "jpeg"],
    ["synthetic_1024x768_gray.jpg", { width: 1024, height: 768, mode: "L" }, "jpeg"],
    ["synthetic_500x375_cmyk.jpg", { width: 500, height: 375, mode: "CMYK" }, "jpeg"],
    ["synthetic_800x600_progressive.jpg", { width: 800, height: 600, mode: "RGB" }, "jpeg"],
    ["chelsea.png", { width: 451, height: 300, mode: "RGB" }, "png"],
    ["synthetic_300x500_rgba.png", { width: 300, height: 500, mode: "RGBA" }, "png"],
    ["synthetic_320x240_palette.png", { width: 320, height: 240, mode: "P" }, "png"],
  ];
  for (const [file, want, format] of good) {
    await t.step(
      file,
      () => assert.deepEqual(readImageHeader(read(IMAGES, file)), { format, ...want }),
    );
  }
  await t.step("huge JPEG dimensions are read, not refused, here", () => {
    const h = readImageHeader(read(BAD, "huge_dims_65000.jpg"));
    assert.deepEqual([h.width, h.height], [65000, 65000]);
  });
  const bad: [string, () => Uint8Array, string, RegExp][] = [
    ["empty", () => new Uint8Array(0), "unsupported_format", /empty \(0 bytes\)/],
    ["gif", () => read(BAD, "tiny.gif"), "unsupported_format", /gif is not supported/],
    ["bmp", () => read(BAD, "tiny.bmp"), "unsupported_format", /bmp is not supported/],
    ["html named .png", () => read(BAD, "html.png"), "unsupported_format", /starting 3c 68 74/],
    ["random bytes", () => read(BAD, "random_bytes.bin"), "unsupported_format", /4096 bytes/],
    ["truncated JPEG header", () => read(BAD, "truncated_header.jpg"), "undecodable", /0xFFDB/],
    ["bad IHDR CRC", () => read(BAD, "bad_crc.png"), "undecodable", /bad CRC in IHDR/],
    ["JPEG with EOI before SOF", () => jpeg(EOI), "undecodable", /before any frame header/],
    ["JPEG with no SOF", () => jpeg(segment(0xe0, [1, 2, 3])), "undecodable", /frame header/],
    [
      "12-bit JPEG",
      () => jpeg(segment(0xc1, [12, 0, 8, 0, 8, 1, 1, 0x11, 0])),
      "undecodable",
      /12-bit/,
    ],
    [
      "2-component JPEG",
      () => jpeg(segment(0xc0, [8, 0, 8, 0, 8, 2, 1, 0x11, 0, 2, 0x11, 0])),
      "undecodable",
      /2 colour components/,
    ],
    [
      "SOF too short for its components",
      () => jpeg(segment(0xc0, [8, 0, 8, 0, 8, 3, 1, 0x11, 0])),
      "undecodable",
      /too short for 3 components/,
    ],
    [
      "PNG whose first chunk is not IHDR",
      () => {
        const b = read(IMAGES, "synthetic_16x9.png").slice();
        b.set(ascii("IHDX"), 12);
        return b;
      },
      "undecodable",
      /IHDR/,
    ],
  ];
  for (const [name, bytes, code, message] of bad) {
    await t.step(name, () => assertImageError(() => readImageHeader(bytes()), code, message));
  }
  await t.step("skips fill bytes and stray bytes between markers", () => {
    const b = jpeg(segment(0xe0, [1]), [0x00, 0x12, 0xff, 0xff], SOF0);
    assert.deepEqual(readImageHeader(b), { format: "jpeg", width: 32, height: 16, mode: "L" });
  });
});

Deno.test("checkImageSize", async (t) => {
  const header = (width: number, height: number): ImageHeader => ({
    format: "png",
    width,
    height,
    mode: "RGB",
  });
  await t.step("accepts exactly the limit", () => checkImageSize(header(8000, 5000)));
  await t.step("the default limit is 40 000 000", () => assert.equal(DEFAULT_MAX_PIXELS, 40e6));
  await t.step("refuses one pixel over", () => {
    assertImageError(
      () => checkImageSize(header(40_000_001, 1)),
      "too_large",
      /^image is 40000001x1 = 40000001 pixels, over the 40000000 limit$/,
    );
  });
  await t.step("says the value for a bomb", () => {
    assertImageError(
      () => checkImageSize(header(100000, 100000)),
      "too_large",
      /^image is 100000x100000 = 1e10 pixels, over the 40000000 limit$/,
    );
  });
  await t.step("custom limit", () => {
    assertImageError(() => checkImageSize(header(640, 480), 1000), "too_large", /1000 limit/);
  });
  await t.step("zero width is undecodable", () => {
    assertImageError(() => checkImageSize(header(0, 10)), "undecodable", /0x10/);
  });
  await t.step("zero height is undecodable", () => {
    assertImageError(() => checkImageSize(header(10, 0)), "undecodable", /10x0/);
  });
  await t.step("rejects a non-positive limit", () => {
    assert.throws(() => checkImageSize(header(1, 1), 0), /maxPixels must be positive: got 0/);
  });
});

Deno.test("formatPixels", async (t) => {
  const cases: [number, string][] = [[40000001, "40000001"], [1e10, "1e10"], [4225e6, "4.225e9"]];
  for (const [n, want] of cases) await t.step(want, () => assert.equal(formatPixels(n), want));
});

Deno.test("checkJpegComplete", async (t) => {
  const complete = (b: Uint8Array) => checkJpegComplete(b, readJpegFrame(b).end);
  await t.step("counts one scan to EOI", () => {
    assert.equal(complete(jpeg(SOF0, SOS, [1, 2, 0xff, 0x00, 3, 0xff, 0xd0, 4], EOI)), 1);
  });
  await t.step("counts progressive scans with tables between them", () => {
    const dht = segment(0xc4, [0, 0xff, 0xd9]); // table bytes that look like EOI
    assert.equal(complete(jpeg(SOF0, SOS, [1], dht, SOS, [2], SOS, [3], EOI)), 3);
  });
  await t.step("accepts trailing bytes after EOI", () => {
    assert.equal(complete(jpeg(SOF0, SOS, [1], EOI, [0, 0, 0])), 1);
  });
  const truncated: [string, Uint8Array, RegExp][] = [
    ["scan data without EOI", jpeg(SOF0, SOS, [1, 2, 3]), /inside scan 1/],
    ["ends on a stuffed 0xFF", jpeg(SOF0, SOS, [1, 0xff]), /inside scan 1/],
    ["no scan at all", jpeg(SOF0), /before the first scan/],
    ["EOI without a scan", jpeg(SOF0, EOI), /no scan/],
    ["segment running past the end", jpeg(SOF0, [0xff, 0xc4, 0x01, 0x00, 1]), /declares 256/],
  ];
  for (const [name, b, message] of truncated) {
    await t.step(name, () => assertImageError(() => complete(b), "undecodable", message));
  }
  await t.step("refuses a scan bomb", () => {
    const scans = Array.from({ length: MAX_JPEG_SCANS + 1 }, () => [...SOS, 7]).flat();
    assertImageError(() => complete(jpeg(SOF0, scans, EOI)), "too_complex", /over 100 scans/);
  });
  await t.step("the truncated test file", () => {
    assertImageError(() => complete(read(BAD, "truncated_half.jpg")), "undecodable", /truncated/);
  });
});

Deno.test("checkDecodeWork", async (t) => {
  const work = (bytes: Uint8Array, maxPixels?: number) =>
    checkDecodeWork(bytes, readImageHeader(bytes), maxPixels);
  await t.step("pixels times scans", () => {
    assert.equal(work(scanBomb(100, 10, 1)), 1000);
    assert.equal(work(scanBomb(100, 10, 10)), 10_000);
  });
  await t.step("a PNG is one pass", () => {
    assert.equal(work(read(IMAGES, "chelsea.png")), 451 * 300);
  });
  await t.step("the shipped progressive JPEG is within the budget", () => {
    const bytes = read(IMAGES, "synthetic_800x600_progressive.jpg");
    assert.ok(work(bytes) >= 800 * 600 * 2, "counts more than one scan");
  });
  await t.step("a 6324x6324 image in 100 scans is over the budget", () => {
    assertImageError(
      () => work(scanBomb(6324, 6324, 100)),
      "too_complex",
      /6324x6324 in 100 scans = 3\.9992976e9 pixel-scans of decoding, over the 640000000 budget/,
    );
  });
  await t.step("the budget follows the pixel limit: 16 scans of maxPixels", () => {
    assert.equal(work(scanBomb(1000, 1000, 16), 1_000_000), 16_000_000);
    assertImageError(() => work(scanBomb(1000, 1000, 17), 1_000_000), "too_complex");
  });
});
