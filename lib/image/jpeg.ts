/**
 * JPEG decoding with libjpeg-turbo compiled to WebAssembly (npm `@cwasm/jpeg-turbo`), set up as
 * Pillow's decoder is (islow IDCT, fancy upsampling, Adobe-inverted CMYK), so pixels equal
 * Pillow's. The wasm is compiled once per process (the lazily-initialised codec singleton
 * below); an instance that raised an error, or grew past {@link MAX_RETAINED_WASM_BYTES}, is
 * dropped and re-created. Decoder settings and where the wasm is read from: lib/image/README.md.
 *
 * @module
 */

import { undecodable } from "./error.ts";
import { readJpegFrame } from "./jpeg_markers.ts";
import type { PixelView } from "./pixels.ts";

/** Wasm memory kept between decodes; a larger instance is dropped after use. */
export const MAX_RETAINED_WASM_BYTES = 256 * 1024 * 1024;

const TJPF_RGB = 0;
const TJPF_GRAY = 6;
const TJPF_CMYK = 11;

interface TurboExports {
  memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(ptr: number): void;
  tjInitDecompress(): number;
  tjDecompressHeader3(
    handle: number,
    src: number,
    size: number,
    width: number,
    height: number,
    subsamp: number,
    colorspace: number,
  ): number;
  tjDecompress2(
    handle: number,
    src: number,
    size: number,
    dst: number,
    width: number,
    pitch: number,
    height: number,
    pixelFormat: number,
    flags: number,
  ): number;
  tjDestroy(handle: number): number;
}

/** Thrown by the `longjmp` import: libjpeg signalled a fatal error. */
class LibjpegError extends Error {}

/** Where the decoder's wasm file is: the argument, `$RESNET_JPEG_WASM`, or the npm package. */
export function jpegWasmLocation(path?: string): string {
  if (path) return path;
  const variable = "RESNET_JPEG_WASM";
  // Query first so a run without --allow-env neither prompts nor fails: it uses the default.
  if (Deno.permissions.querySync({ name: "env", variable }).state === "granted") {
    const env = Deno.env.get(variable);
    if (env) return env;
  }
  return import.meta.resolve("@cwasm/jpeg-turbo/jpeg-turbo.wasm");
}

function toPathOrUrl(location: string): string | URL {
  return /^[a-z][a-z0-9+.-]*:/i.test(location) && !/^[a-z]:[\\/]/i.test(location)
    ? new URL(location)
    : location;
}

/** One compiled decoder and its current instance. */
class JpegCodec {
  readonly location: string;
  readonly #module: WebAssembly.Module;
  #exports: TurboExports | undefined;
  #errStr = -1;

  constructor(location: string, module: WebAssembly.Module) {
    this.location = location;
    this.#module = module;
  }

  /** The live instance, created on first use or after {@link reset}. */
  instance(): TurboExports {
    if (this.#exports) return this.#exports;
    const imports = {
      env: {
        setjmp: () => 0,
        longjmp: () => {
          throw new LibjpegError(this.message() ?? "libjpeg error");
        },
      },
      wasi_snapshot_preview1: {
        environ_sizes_get: () => 0,
        environ_get: () => 0,
        proc_exit: (code: number) => {
          throw new LibjpegError(`libjpeg exited with status ${code}`);
        },
        fd_close: () => 0,
        fd_seek: () => 0,
        fd_write: () => 0,
      },
    };
    const instance = new WebAssembly.Instance(this.#module, imports);
    const exports = instance.exports as unknown as TurboExports;
    this.#errStr = findErrStr(new Uint8Array(exports.memory.buffer));
    this.#exports = exports;
    return exports;
  }

  /** Drops the instance (its memory is garbage collected); the next call makes a new one. */
  reset(): void {
    this.#exports = undefined;
  }

  /** Clears TurboJPEG's message buffer before a decode. */
  clearMessage(): void {
    if (this.#errStr >= 0 && this.#exports) {
      new Uint8Array(this.#exports.memory.buffer)[this.#errStr] = 0;
    }
  }

  /** The last error or first warning libjpeg reported, if any. */
  message(): string | undefined {
    const memory = this.#exports?.memory;
    if (this.#errStr < 0 || !memory) return undefined;
    const bytes = new Uint8Array(memory.buffer, this.#errStr, 200);
    const end = bytes.indexOf(0);
    const text = new TextDecoder().decode(bytes.subarray(0, end < 0 ? 200 : end));
    return text || undefined;
  }
}

/** TurboJPEG's static `errStr[200]` buffer, initialised to "No error" and then zeros. */
function findErrStr(heap: Uint8Array): number {
  const needle = new TextEncoder().encode("No error\0\0\0\0\0\0\0\0");
  for (let at = heap.indexOf(needle[0]); at >= 0; at = heap.indexOf(needle[0], at + 1)) {
    let i = 1;
    while (i < needle.length && heap[at + i] === needle[i]) i++;
    if (i === needle.length) return at;
  }
  return -1;
}

let codec: JpegCodec | undefined; // lazily-initialised codec singleton

function loadedCodec(location: string, module: WebAssembly.Module): JpegCodec {
  codec = new JpegCodec(location, module);
  return codec;
}

function syncCodec(path?: string): JpegCodec {
  const location = jpegWasmLocation(path);
  if (codec?.location === location) return codec;
  const module = new WebAssembly.Module(Deno.readFileSync(toPathOrUrl(location)));
  return loadedCodec(location, module);
}

/**
 * Reads and compiles the decoder's wasm ahead of the first decode, without blocking the event
 * loop (decoding otherwise compiles it synchronously on first use).
 */
export async function initJpegCodec(path?: string): Promise<void> {
  const location = jpegWasmLocation(path);
  if (codec?.location === location) return;
  const module = await WebAssembly.compile(await Deno.readFile(toPathOrUrl(location)));
  loadedCodec(location, module).instance();
}

/** Pillow's Adobe-inverted CMYK → RGB, in place over `n` 4-byte pixels from `px[p]`. */
function cmykRowToRgb(px: Uint8Array, p: number, n: number): void {
  const end = p + 4 * n;
  for (; p < end; p += 4) {
    const nk = px[p + 3]; // 255 - k, with k = 255 - stored
    for (let c = 0; c < 3; c++) {
      const t = (255 - px[p + c]) * nk + 128; // MULDIV255(c, nk)
      px[p + c] = nk - (((t >> 8) + t) >> 8);
    }
  }
}

/** Options for {@link withDecodedJpeg}. */
export interface JpegDecodeOptions {
  /** Path or URL of the jpeg-turbo wasm; default `$RESNET_JPEG_WASM` or the npm package. */
  jpegWasmPath?: string;
}

/**
 * Decodes a JPEG and calls `use` with a view of its pixels in wasm memory, valid only during the
 * call; returns what `use` returns. Throws `undecodable` for any libjpeg error. Check the image
 * with `checkImage` first: memory is allocated for its dimensions, and that check refuses a
 * truncated file (no end-of-image marker, however libjpeg would pad it) and a costly one.
 */
export function withDecodedJpeg<T>(
  bytes: Uint8Array,
  use: (view: PixelView) => T,
  options: JpegDecodeOptions = {},
): T {
  const { width, height, components } = readJpegFrame(bytes);
  const [format, bpp] = components === 1
    ? [TJPF_GRAY, 1]
    : components === 4
    ? [TJPF_CMYK, 4]
    : [TJPF_RGB, 3];
  const turbo = syncCodec(options.jpegWasmPath);
  const ex = turbo.instance();
  let src = 0, dst = 0, meta = 0, handle = 0;
  const size = width * height * bpp;
  try {
    src = ex.malloc(bytes.length);
    meta = ex.malloc(16);
    dst = ex.malloc(size);
    if (!src || !meta || !dst) throw new LibjpegError(`out of wasm memory for ${size} bytes`);
    new Uint8Array(ex.memory.buffer, src, bytes.length).set(bytes);
    turbo.clearMessage();
    handle = ex.tjInitDecompress();
    if (!handle) throw new LibjpegError("could not create a decompressor");
    const header = ex.tjDecompressHeader3(
      handle,
      src,
      bytes.length,
      meta,
      meta + 4,
      meta + 8,
      meta + 12,
    );
    const [w, h] = new Int32Array(ex.memory.buffer, meta, 2);
    if (header !== 0 || w !== width || h !== height) {
      throw new LibjpegError(`header reads ${w}x${h}, frame says ${width}x${height}`);
    }
    const status = ex.tjDecompress2(
      handle,
      src,
      bytes.length,
      dst,
      width,
      width * bpp,
      height,
      format,
      0,
    );
    const warning = status !== 0 ? turbo.message() ?? "" : "";
    if (warning.startsWith("Premature end of JPEG file")) throw new LibjpegError(warning);
  } catch (e) {
    turbo.reset();
    if (e instanceof LibjpegError) throw undecodable(`JPEG could not be decoded: ${e.message}`, e);
    throw e;
  }
  try {
    const data = new Uint8Array(ex.memory.buffer, dst, size);
    if (bpp === 4) {
      for (let y = 0; y < height; y++) cmykRowToRgb(data, y * width * 4, width);
    }
    return use({
      data,
      width,
      height,
      offset: 0,
      rowStride: width * bpp,
      pixelStride: bpp,
      grey: bpp === 1,
    });
  } finally {
    ex.free(dst);
    ex.free(meta);
    ex.free(src);
    ex.tjDestroy(handle);
    if (ex.memory.buffer.byteLength > MAX_RETAINED_WASM_BYTES) turbo.reset();
  }
}
