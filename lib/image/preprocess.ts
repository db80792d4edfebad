/**
 * Decode + preprocess, torchvision-exact: the float32 CHW tensor
 * `ResNet18_Weights.IMAGENET1K_V1.transforms()` makes from `PIL.Image.open(f).convert("RGB")`.
 * Bad input (an unknown format, too many pixels, broken data) is always an {@link ImageError},
 * never a crash, and is refused from the header before any pixel memory is allocated when it can
 * be. Everything here is synchronous; the JPEG decoder's wasm compiles on first use unless
 * {@link initJpegCodec} ran first. The checks in order: lib/image/README.md.
 *
 * @module
 */

import { undecodable } from "./error.ts";
import { checkImage, type ImageFormat } from "./header.ts";
import { withDecodedJpeg } from "./jpeg.ts";
import { packedView, type PixelView, toRgb } from "./pixels.ts";
import { decodePng } from "./png.ts";
import { resizeCenterCrop } from "./resize.ts";
import { writeChw } from "./tensor.ts";

export { formatPixels, ImageError, type ImageErrorCode } from "./error.ts";
export {
  checkDecodeWork,
  checkImage,
  checkImageSize,
  DEFAULT_MAX_PIXELS,
  type ImageFormat,
  type ImageHeader,
  readImageHeader,
  SCANS_PER_PIXEL_BUDGET,
  sniffFormat,
} from "./header.ts";
export { initJpegCodec, jpegWasmLocation } from "./jpeg.ts";
export { IMAGENET_MEAN, IMAGENET_STD } from "./tensor.ts";

/** Side of the resized image's shorter edge (torchvision `Resize(256)`). */
export const RESIZE_SIZE = 256;
/** Side of the centre crop, and of the model input (torchvision `CenterCrop(224)`). */
export const CROP_SIZE = 224;
/** Floats in one preprocessed image: 3 × 224 × 224. */
export const TENSOR_FLOATS: number = 3 * CROP_SIZE * CROP_SIZE;

/** Options for decoding. */
export interface DecodeOptions {
  /** Refuse images with more pixels than this (`too_large`); default 40 000 000. */
  maxPixels?: number;
  /** Path or URL of the JPEG decoder wasm; default `$RESNET_JPEG_WASM`, else the npm package. */
  jpegWasmPath?: string;
}

/** A decoded image as Pillow's `convert("RGB")` holds it. */
export interface DecodedImage {
  /** Container format. */
  format: ImageFormat;
  /** The mode Pillow opened the file in, before conversion ("RGB", "L", "CMYK", "P", ...). */
  mode: string;
  /** Pixels per row. */
  width: number;
  /** Rows. */
  height: number;
  /** Packed RGB, 3 bytes per pixel, row after row. */
  rgb: Uint8Array;
}

/** Where the time went, in milliseconds. */
export interface ImageTimings {
  /** Header checks and decoding to pixels. */
  decodeMs: number;
  /** Resize, crop and normalisation. */
  preprocessMs: number;
  /** Both. */
  totalMs: number;
}

/** Options for {@link imageToTensor}. */
export interface TensorOptions extends DecodeOptions {
  /** Write into this buffer (e.g. a batch) instead of a new one. */
  out?: Float32Array;
  /** Float index in `out` where this image's tensor starts; default 0. */
  offset?: number;
}

/** The model input made from one image file. */
export interface ImageTensor {
  /** The buffer holding the tensor (`out` when given). */
  tensor: Float32Array;
  /** Float index in `tensor` where this image's 3 × 224 × 224 values start. */
  offset: number;
  /** Container format. */
  format: ImageFormat;
  /** Pillow's mode for the file. */
  mode: string;
  /** Original width. */
  width: number;
  /** Original height. */
  height: number;
  /** Milliseconds spent. */
  timings: ImageTimings;
}

/** Checks the header and limits, decodes, and hands `use` a view of the pixels. */
function withPixels<T>(
  bytes: Uint8Array,
  options: DecodeOptions,
  use: (view: PixelView, format: ImageFormat, mode: string) => T,
): T {
  const { format, mode } = checkImage(bytes, options.maxPixels).header;
  if (format === "jpeg") return withDecodedJpeg(bytes, (view) => use(view, format, mode), options);
  let view: PixelView;
  try {
    view = decodePng(bytes);
  } catch (e) {
    if (e instanceof Error && e.name === "ImageError") throw e;
    throw undecodable(`PNG could not be decoded: ${(e as Error).message}`, e);
  }
  return use(view, format, mode);
}

/**
 * Decodes a JPEG or PNG to packed RGB as Pillow's `Image.open(f).convert("RGB")` does. Throws an
 * {@link ImageError} (`unsupported_format`, `undecodable`, `too_large`) for bad input.
 */
export function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): DecodedImage {
  return withPixels(bytes, options, (view, format, mode) => ({
    format,
    mode,
    width: view.width,
    height: view.height,
    rgb: toRgb(view),
  }));
}

/**
 * Writes the preprocessed tensor of a decoded image into `out` at float index `offset`:
 * Resize(256) → CenterCrop(224) → float/255 → Normalize(ImageNet mean, std), CHW.
 */
export function preprocessInto(
  image: Pick<DecodedImage, "width" | "height" | "rgb">,
  out: Float32Array,
  offset = 0,
): void {
  if (image.rgb.length < image.width * image.height * 3) {
    throw new RangeError(
      `rgb has ${image.rgb.length} bytes, fewer than ${image.width}x${image.height}x3`,
    );
  }
  const view = packedView(image.rgb, image.width, image.height, 3);
  writeChw(resizeCenterCrop(view, RESIZE_SIZE, CROP_SIZE), out, offset);
}

/** {@link preprocessInto} a new buffer of {@link TENSOR_FLOATS} floats. */
export function preprocess(image: Pick<DecodedImage, "width" | "height" | "rgb">): Float32Array {
  const out = new Float32Array(TENSOR_FLOATS);
  preprocessInto(image, out);
  return out;
}

/**
 * Decodes and preprocesses an image file in one go, reading decoder output in place (no RGB
 * copy). Writes into `options.out` at `options.offset` when given (batching). Throws an
 * {@link ImageError} for bad input and a RangeError if the tensor does not fit in `out`.
 *
 * @example
 * ```ts
 * const { tensor } = imageToTensor(await Deno.readFile("cat.jpg"));
 * // batching: write image i of a batch in place
 * imageToTensor(bytes, { out: batch, offset: i * TENSOR_FLOATS });
 * ```
 */
export function imageToTensor(bytes: Uint8Array, options: TensorOptions = {}): ImageTensor {
  const offset = options.offset ?? 0;
  const out = options.out ?? new Float32Array(TENSOR_FLOATS);
  if (!Number.isInteger(offset) || offset < 0 || offset + TENSOR_FLOATS > out.length) {
    throw new RangeError(
      `offset ${offset} leaves no room for ${TENSOR_FLOATS} floats in a buffer of ${out.length}`,
    );
  }
  const t0 = performance.now();
  let t1 = t0;
  const result = withPixels(bytes, options, (view, format, mode) => {
    t1 = performance.now();
    writeChw(resizeCenterCrop(view, RESIZE_SIZE, CROP_SIZE), out, offset);
    return { format, mode, width: view.width, height: view.height };
  });
  const t2 = performance.now();
  return {
    tensor: out,
    offset,
    ...result,
    timings: { decodeMs: t1 - t0, preprocessMs: t2 - t1, totalMs: t2 - t0 },
  };
}
