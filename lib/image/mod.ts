/**
 * Images to model input, torchvision-exact: format sniffing from magic bytes, header checks
 * before any decoding (dimensions, pixel budget), JPEG (libjpeg-turbo in WebAssembly) and PNG
 * decoding as Pillow does it, `Resize(256)` + `CenterCrop(224)` + `Normalize`; and
 * deterministic synthetic JPEGs.
 *
 * @example
 * ```ts
 * import { imageToTensor, initJpegCodec } from "./lib/image/mod.ts";
 * await initJpegCodec();
 * const { tensor, width, height } = imageToTensor(await Deno.readFile("cat.png"));
 * ```
 *
 * @module
 */
export { crc32 } from "./png_chunks.ts";
export {
  checkDecodeWork,
  checkImage,
  checkImageSize,
  DEFAULT_MAX_PIXELS,
  ImageError,
  type ImageErrorCode,
  imageToTensor,
  initJpegCodec,
  readImageHeader,
  TENSOR_FLOATS,
} from "./preprocess.ts";
export { PREPROCESS_COMMAND } from "./command.ts";
export { syntheticJpeg } from "./synthetic.ts";
