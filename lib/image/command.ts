/**
 * `preprocess.ts IMAGE --out FILE.f32`: decodes a JPEG or PNG and writes the torchvision-exact
 * ResNet18 input tensor (float32 little-endian, CHW, 3 × 224 × 224), then prints one JSON line
 * `{"file", "width", "height", "mode", "ms"}`. Exit status: 0 done; 1 the image was refused (a
 * JSON `{"error": {"code", "message"}}` line on stderr) or could not be read or written; 2 bad
 * usage.
 *
 * @module
 */
import { defineCommand, UsageError } from "../shared/mod.ts";
import { ImageError } from "./error.ts";
import { DEFAULT_MAX_PIXELS, imageToTensor } from "./preprocess.ts";

/** The flags of `preprocess.ts` (env prefix `PREPROCESS_`). */
export const PREPROCESS_FLAGS = {
  out: { type: "string", default: undefined, short: "o", help: "tensor file to write (required)" },
  "max-pixels": {
    type: "number",
    default: DEFAULT_MAX_PIXELS,
    min: 1,
    integer: true,
    help: "refuse images with more pixels",
  },
  "jpeg-wasm": {
    type: "string",
    default: undefined,
    help: "JPEG decoder wasm (default $RESNET_JPEG_WASM, else the npm package's)",
  },
} as const;

/** The tensor's bytes, float32 little-endian whatever the host's byte order. */
function littleEndianBytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return bytes;
}

/** Writes the tensor of `file` to `out`; returns the exit status (1: refused or unreadable). */
async function preprocessFile(
  file: string,
  out: string,
  options: { maxPixels: number; jpegWasmPath?: string },
): Promise<number> {
  try {
    const result = imageToTensor(await Deno.readFile(file), options);
    await Deno.writeFile(out, littleEndianBytes(result.tensor));
    const { width, height, mode } = result;
    const ms = Math.round(result.timings.totalMs * 100) / 100;
    console.log(JSON.stringify({ file, width, height, mode, ms }));
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

/** `preprocess.ts IMAGE --out FILE.f32`. */
export const PREPROCESS_COMMAND = defineCommand({
  name: "preprocess",
  usage: "usage: preprocess.ts IMAGE --out FILE.f32 [--max-pixels N] [--jpeg-wasm PATH]",
  flags: PREPROCESS_FLAGS,
  envPrefix: "PREPROCESS",
  positionals: true,
  run(options, { positionals }) {
    if (positionals.length !== 1) {
      throw new UsageError(`expected one IMAGE argument: got ${positionals.length}`);
    }
    if (!options.out) throw new UsageError("--out FILE.f32 is required");
    return preprocessFile(positionals[0], options.out, {
      maxPixels: options.maxPixels,
      jpegWasmPath: options.jpegWasm,
    });
  },
});
