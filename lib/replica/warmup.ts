/**
 * The replica's warm-up before it reports ready: the whole request path, not just the model. It
 * decodes a synthetic JPEG a few times inline and in every decode worker, writes every other
 * tensor its pool keeps, and runs the model at batch sizes `maxBatch` and 1 from every batch
 * buffer its pool keeps, so that all of it is compiled and its memory touched before the first
 * request. Why, with the cold-start figures: lib/replica/README.md.
 *
 * @module
 */
import type { DecodePool, ImageDecoder } from "./decode_pool.ts";
import { syntheticJpeg } from "../image/mod.ts";
import { IMAGE_FLOATS, type InferenceModel } from "../model/mod.ts";
import { createRng } from "../shared/mod.ts";
import type { TensorPool } from "./tensor_pool.ts";

/** What {@link warmUp} exercises. */
export interface WarmUpParts {
  /** The model (its inputs come back to `batches`, see `loadWorkerModel`'s `returnInput`). */
  model: InferenceModel;
  /** Largest batch. */
  maxBatch: number;
  /** Image tensors, filled up to their `keep`. */
  tensors: TensorPool;
  /** Batch buffers of `maxBatch` images, filled up to their `keep`. */
  batches: TensorPool;
  /** Decoding on the calling thread. */
  inline: ImageDecoder;
  /** The decode workers, if any, and how many there are. */
  pool?: { decoder: DecodePool["decode"]; workers: number };
  /** The pixel limit requests are decoded with. */
  maxPixels: number;
}

/** Decodes and inferences run by one {@link warmUp}. */
export interface WarmUpCount {
  /** Images decoded on the calling thread. */
  inline: number;
  /** Images decoded in the pool. */
  pooled: number;
  /** Model runs. */
  batches: number;
}

/** Rounds of decoding (the decoders' code is compiled after a few calls). */
const DECODE_ROUNDS = 3;

/** Runs the warm-up (see the module doc); the pools end up holding their buffers. */
export async function warmUp(parts: WarmUpParts): Promise<WarmUpCount> {
  const { model, maxBatch, tensors, batches, inline, pool, maxPixels } = parts;
  const jpeg = syntheticJpeg(224, 224, createRng(7));
  const options = () => ({ maxPixels, out: tensors.take() });
  const decoded: Float32Array[] = [];
  const count: WarmUpCount = { inline: 0, pooled: 0, batches: 0 };
  for (let round = 0; round < DECODE_ROUNDS; round++) {
    decoded.push((await inline(jpeg, options())).tensor);
    count.inline++;
    if (!pool) continue;
    // as many at once as there are workers: each goes to an idle one
    const images = await Promise.all(
      Array.from({ length: pool.workers }, () => pool.decoder(jpeg, options())),
    );
    decoded.push(...images.map((image) => image.tensor));
    count.pooled += images.length;
  }
  // the rest of the tensors the pool keeps: written once, so their memory is faulted in now
  const spare = Array.from({ length: Math.max(0, tensors.keep - decoded.length) }, () => {
    const tensor = tensors.take();
    tensor.fill(0);
    return tensor;
  });
  const inputs = Array.from({ length: Math.max(1, batches.keep) }, () => batches.take());
  for (const [i, input] of inputs.entries()) {
    for (let k = 0; k < maxBatch; k++) input.set(decoded[k % decoded.length], k * IMAGE_FLOATS);
    await model.run(input, i % 2 === 0 ? maxBatch : 1);
    count.batches++;
  }
  if (maxBatch > 1 && inputs.length < 2) {
    await model.run(batches.take(), 1);
    count.batches++;
  }
  for (const tensor of [...decoded, ...spare]) tensors.give(tensor);
  return count;
}
