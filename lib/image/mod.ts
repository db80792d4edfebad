/**
 * TODO image
 *
 * @module
 */
export { crc32 } from "./png_chunks.ts";
export {
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
