import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import {
  decodeImage,
  ImageError,
  imageToTensor,
  initJpegCodec,
  jpegWasmLocation,
  preprocess,
  preprocessInto,
  TENSOR_FLOATS,
} from "./preprocess.ts";
import { crc32 } from "./png_chunks.ts";

const ROOT = new URL("../../testdata/", import.meta.url);
const readData = (path: string) => Deno.readFileSync(new URL(path, ROOT));

interface GoldenImage {
  file: string;
  size: [number, number];
  mode: string;
  offset: number;
  bytes: number;
}
const golden = JSON.parse(new TextDecoder().decode(readData("golden/golden_preprocess.json")));
const goldenImages: GoldenImage[] = golden.images;
const goldenF32 = readData("golden/golden_preprocess.f32");
const goldenTensor = (g: GoldenImage) => new Float32Array(goldenF32.buffer, g.offset, g.bytes / 4);

function errorStats(got: Float32Array, want: Float32Array) {
  const diff = Float64Array.from(want, (v, i) => Math.abs(v - got[i])).sort();
  return {
    mae: diff.reduce((a, b) => a + b, 0) / diff.length,
    p999: diff[Math.floor(0.999 * (diff.length - 1))],
    max: diff[diff.length - 1],
  };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ImageError) return e.code;
    throw e;
  }
  return "ok";
}

/** A PNG of 8-bit RGB rows, unfiltered. */
function rgbPng(width: number, height: number, fill: (x: number, y: number) => number[]) {
  const raw: number[] = [];
  for (let y = 0; y < height; y++) {
    raw.push(0);
    for (let x = 0; x < width; x++) raw.push(...fill(x, y));
  }
  const chunk = (type: string, data: Uint8Array) => {
    const out = new Uint8Array(12 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(data, 8);
    view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
    return out;
  };
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const parts = [
    Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Uint8Array.from(raw))),
    chunk("IEND", new Uint8Array(0)),
  ];
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

Deno.test("imageToTensor matches torchvision on the golden set", async (t) => {
  const inexact: string[] = [];
  for (const g of goldenImages) {
    await t.step(`${g.file} (${g.mode})`, () => {
      const result = imageToTensor(readData(`images/${g.file}`));
      assert.deepEqual([result.width, result.height, result.mode], [...g.size, g.mode]);
      assert.equal(result.tensor.length, TENSOR_FLOATS);
      const { mae, p999, max } = errorStats(result.tensor, goldenTensor(g));
      console.log(`  ${g.file}: MAE ${mae} p99.9 ${p999} max ${max}`);
      assert.ok(mae <= 0.01, `MAE ${mae}`);
      assert.ok(p999 <= 0.1, `p99.9 ${p999}`);
      if (g.file.endsWith(".png")) assert.ok(max <= 0.03, `max ${max}`);
      if (max !== 0) inexact.push(`${g.file} (max ${max})`);
    });
  }
  await t.step("every golden tensor is bit-exact", () => assert.deepEqual(inexact, []));
});

Deno.test("bad inputs give typed errors", async (t) => {
  const cases: [string, string][] = [
    ["tiny.gif", "unsupported_format"],
    ["tiny.bmp", "unsupported_format"],
    ["random_bytes.bin", "unsupported_format"],
    ["html.png", "unsupported_format"],
    ["text_as_image.jpg", "unsupported_format"],
    ["empty.jpg", "unsupported_format"],
    ["bomb_100000x100000.png", "too_large"],
    ["huge_dims_65000.jpg", "too_large"],
    ["zero_width.png", "undecodable"],
    ["truncated_half.jpg", "undecodable"],
    ["truncated_header.jpg", "undecodable"],
    ["bad_crc.png", "undecodable"],
  ];
  const listed = new Set(cases.map(([f]) => f));
  for (const entry of Deno.readDirSync(new URL("bad_inputs/", ROOT))) {
    if (entry.name !== "README.md") assert.ok(listed.has(entry.name), `untested ${entry.name}`);
  }
  for (const [file, code] of cases) {
    await t.step(`${file} → ${code}`, () => {
      const bytes = readData(`bad_inputs/${file}`);
      assert.equal(codeOf(() => imageToTensor(bytes)), code);
      assert.equal(codeOf(() => decodeImage(bytes)), code);
    });
  }
  await t.step("RSS grows by under 200 MB over the set, five times over", () => {
    const before = Deno.memoryUsage().rss;
    for (let round = 0; round < 5; round++) {
      for (const [file] of cases) codeOf(() => imageToTensor(readData(`bad_inputs/${file}`)));
    }
    const grown = (Deno.memoryUsage().rss - before) / 1e6;
    assert.ok(grown < 200, `RSS grew ${grown} MB`);
  });
});

Deno.test("damaged files never escape as anything but ImageError", async (t) => {
  for (
    const file of [
      "synthetic_640x480_q90.jpg",
      "synthetic_800x600_progressive.jpg",
      "chelsea.png",
      "synthetic_320x240_palette.png",
    ]
  ) {
    const bytes = readData(`images/${file}`);
    await t.step(`${file} truncated anywhere is undecodable`, () => {
      for (let i = 1; i < 24; i++) {
        const cut = bytes.subarray(0, Math.floor((bytes.length * i) / 24));
        assert.equal(codeOf(() => imageToTensor(cut)), "undecodable", `cut at ${cut.length}`);
      }
    });
    await t.step(`${file} with flipped bytes decodes or is refused`, () => {
      let seed = 12345;
      for (let i = 0; i < 40; i++) {
        const damaged = bytes.slice();
        for (let k = 0; k < 4; k++) {
          seed = (seed * 1103515245 + 12345) >>> 0;
          damaged[seed % Math.min(damaged.length, 2000 + i * 500)] ^= 1 << (seed >>> 29);
        }
        assert.match(codeOf(() => imageToTensor(damaged)), /^(ok|undecodable|too_large)$/);
      }
    });
  }
  await t.step("a libjpeg error says what libjpeg said, and the decoder recovers", () => {
    const bytes = readData("images/synthetic_640x480_q90.jpg");
    const sos = bytes.findIndex((v, i) => v === 0xff && bytes[i + 1] === 0xda);
    const bad = bytes.slice();
    bad[sos + 5] = 99; // the scan's first component id
    assert.throws(() => imageToTensor(bad), /JPEG could not be decoded: Invalid component ID 99/);
    assert.equal(imageToTensor(bytes).width, 640);
  });
});

Deno.test("decodeImage", async (t) => {
  const cases: [string, string, number, number][] = [
    ["synthetic_500x375_cmyk.jpg", "CMYK", 500, 375],
    ["synthetic_1024x768_gray.jpg", "L", 1024, 768],
    ["synthetic_320x240_palette.png", "P", 320, 240],
    ["synthetic_300x500_rgba.png", "RGBA", 300, 500],
  ];
  for (const [file, mode, width, height] of cases) {
    await t.step(`${file}: packed RGB that preprocesses like imageToTensor`, () => {
      const bytes = readData(`images/${file}`);
      const image = decodeImage(bytes);
      assert.deepEqual([image.mode, image.width, image.height], [mode, width, height]);
      assert.equal(image.rgb.length, width * height * 3);
      assert.deepEqual(preprocess(image), imageToTensor(bytes).tensor);
    });
  }
  await t.step("grey is replicated to R = G = B", () => {
    const { rgb } = decodeImage(readData("images/synthetic_1024x768_gray.jpg"));
    for (let i = 0; i < rgb.length; i += 3 * 997) {
      assert.ok(rgb[i] === rgb[i + 1] && rgb[i] === rgb[i + 2]);
    }
  });
  await t.step("maxPixels applies before decoding", () => {
    const bytes = readData("images/synthetic_640x480_q90.jpg");
    assert.throws(() => decodeImage(bytes, { maxPixels: 307199 }), /640x480 = 307200 pixels/);
    assert.equal(decodeImage(bytes, { maxPixels: 307200 }).width, 640);
  });
  await t.step("a 1x1 image", () => {
    const image = decodeImage(rgbPng(1, 1, () => [10, 20, 30]));
    assert.deepEqual([...image.rgb], [10, 20, 30]);
    const t1 = preprocess(image);
    assert.ok(Math.abs(t1[0] - (10 / 255 - 0.485) / 0.229) < 1e-6);
    assert.ok(Math.abs(t1[TENSOR_FLOATS - 1] - (30 / 255 - 0.406) / 0.225) < 1e-6);
  });
});

Deno.test("imageToTensor", async (t) => {
  const a = readData("images/rocket.jpg");
  const b = readData("images/chelsea.png");
  await t.step("writes a batch in place at float offsets", () => {
    const batch = new Float32Array(3 * TENSOR_FLOATS).fill(7);
    const rb = imageToTensor(b, { out: batch, offset: 2 * TENSOR_FLOATS });
    const ra = imageToTensor(a, { out: batch, offset: 0 });
    assert.equal(ra.tensor, batch);
    assert.equal(rb.offset, 2 * TENSOR_FLOATS);
    assert.deepEqual(batch.subarray(0, TENSOR_FLOATS), imageToTensor(a).tensor);
    assert.ok(batch.subarray(TENSOR_FLOATS, 2 * TENSOR_FLOATS).every((v) => v === 7));
    assert.deepEqual(batch.subarray(2 * TENSOR_FLOATS), imageToTensor(b).tensor);
  });
  const badOffsets: [string, Float32Array, number][] = [
    ["offset past the end", new Float32Array(TENSOR_FLOATS), 1],
    ["negative offset", new Float32Array(2 * TENSOR_FLOATS), -1],
    ["fractional offset", new Float32Array(2 * TENSOR_FLOATS), 0.5],
  ];
  for (const [name, out, offset] of badOffsets) {
    await t.step(`${name} is a RangeError`, () => {
      assert.throws(() => imageToTensor(a, { out, offset }), RangeError);
    });
  }
  await t.step("preprocessInto checks the rgb length", () => {
    const image = { width: 10, height: 10, rgb: new Uint8Array(299) };
    assert.throws(() => preprocessInto(image, new Float32Array(TENSOR_FLOATS)), /299 bytes/);
  });
  await t.step("timings add up", () => {
    const { timings } = imageToTensor(a);
    assert.ok(timings.decodeMs >= 0 && timings.preprocessMs >= 0);
    assert.ok(Math.abs(timings.decodeMs + timings.preprocessMs - timings.totalMs) < 1e-9);
  });
});

Deno.test("JPEG decoder location", async (t) => {
  const bytes = readData("images/rocket.jpg");
  await t.step("defaults to the npm package's wasm", () => {
    assert.match(jpegWasmLocation(), /jpeg-turbo\.wasm$/);
  });
  await t.step("an explicit path wins", () => assert.equal(jpegWasmLocation("/x.wasm"), "/x.wasm"));
  await t.step("RESNET_JPEG_WASM is used when set", () => {
    Deno.env.set("RESNET_JPEG_WASM", "/from-env.wasm");
    try {
      assert.equal(jpegWasmLocation(), "/from-env.wasm");
    } finally {
      Deno.env.delete("RESNET_JPEG_WASM");
    }
  });
  await t.step("a missing file is a NotFound error, and the loaded decoder stays", () => {
    assert.throws(
      () => imageToTensor(bytes, { jpegWasmPath: "/nonexistent/jpeg.wasm" }),
      Deno.errors.NotFound,
    );
    assert.equal(imageToTensor(bytes).width, 640);
  });
  await t.step("initJpegCodec loads ahead of use", async () => {
    await initJpegCodec(jpegWasmLocation());
    assert.equal(imageToTensor(bytes, { jpegWasmPath: jpegWasmLocation() }).height, 427);
  });
});
