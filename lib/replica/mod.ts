/**
 * TODO replica
 *
 * @module
 */
export { createApp, type ReplicaState } from "./app.ts";
export { Batcher } from "./batcher.ts";
export {
  adaptiveDecoder,
  createDecodePool,
  type ImageDecoder,
  inProcessDecoder,
} from "./decode_pool.ts";
export { TensorPool } from "./tensor_pool.ts";
export { warmUp } from "./warmup.ts";
