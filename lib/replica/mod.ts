/**
 * The replica: ResNet18 behind HTTP with dynamic batching. {@link run} serves until its signal
 * aborts, then drains; {@link createApp} is the HTTP application over injected parts.
 *
 * @example
 * ```ts
 * import { REPLICA_COMMAND } from "./lib/replica/mod.ts";
 * import { main } from "./lib/shared/mod.ts";
 * await main(REPLICA_COMMAND); // deno task replica --port 6000 --backend native
 * ```
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
export { REPLICA_FLAGS, type ReplicaOptions } from "./flags.ts";
export { REPLICA_COMMAND, run, type RunningReplica } from "./serve.ts";
export { TensorPool } from "./tensor_pool.ts";
export { warmUp } from "./warmup.ts";
