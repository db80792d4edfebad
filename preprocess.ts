/**
 * `deno run -A preprocess.ts IMAGE --out FILE.f32`: decodes a JPEG or PNG and writes the
 * torchvision-exact ResNet18 input tensor (float32 little-endian, CHW, 3 × 224 × 224), then
 * prints one JSON line: `{"file", "width", "height", "mode", "ms"}`.
 *
 * Exit status: 0 done; 1 the image was refused (a JSON `{"error": {"code", "message"}}` line on
 * stderr, code `unsupported_format`, `undecodable` or `too_large`) or could not be read or
 * written; 2 bad usage.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { DEFAULT_MAX_PIXELS, ImageError, imageToTensor } from "./lib/image/mod.ts";

const USAGE = "usage: preprocess.ts IMAGE --out FILE.f32 [--max-pixels N] [--jpeg-wasm PATH]\n" +
  `  --max-pixels  refuse images with more pixels (default ${DEFAULT_MAX_PIXELS})\n` +
  "  --jpeg-wasm   JPEG decoder wasm (default $RESNET_JPEG_WASM, else the npm package's)";

function usage(message: string): number {
  console.error(`preprocess: ${message}\n${USAGE}`);
  return 2;
}

/** The tensor's bytes, float32 little-endian whatever the host's byte order. */
function littleEndianBytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return bytes;
}

/** Runs the command with `args` (without the script name) and returns the exit status. */
export async function run(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        out: { type: "string", short: "o" },
        "max-pixels": { type: "string" },
        "jpeg-wasm": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    return usage((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    return usage(`expected one IMAGE argument: got ${positionals.length}`);
  }
  if (!values.out) return usage("--out FILE.f32 is required");
  const maxPixels = values["max-pixels"] === undefined
    ? DEFAULT_MAX_PIXELS
    : Number(values["max-pixels"]);
  if (!Number.isInteger(maxPixels) || maxPixels < 1) {
    return usage(`--max-pixels must be a positive integer: got ${values["max-pixels"]}`);
  }
  const file = positionals[0];
  try {
    const bytes = await Deno.readFile(file);
    const result = imageToTensor(bytes, { maxPixels, jpegWasmPath: values["jpeg-wasm"] });
    await Deno.writeFile(values.out, littleEndianBytes(result.tensor));
    console.log(JSON.stringify({
      file,
      width: result.width,
      height: result.height,
      mode: result.mode,
      ms: Math.round(result.timings.totalMs * 100) / 100,
    }));
    return 0;
  } catch (e) {
    if (e instanceof ImageError) {
      console.error(JSON.stringify({ file, error: { code: e.code, message: e.message } }));
    } else {
      console.error(`preprocess: ${file}: ${(e as Error).message}`);
    }
    return 1;
  }
}

if (import.meta.main) Deno.exit(await run(Deno.args));
