/**
 * Softmax and top-k over classifier logits.
 *
 * @module
 */

/** One ranked class: the seed's `prediction` shape. */
export interface ClassScore {
  /** Index into the label list (ImageNet class id). */
  class_index: number;
  /** Human-readable label, or `class_<index>` when no label is known. */
  label: string;
  /** Softmax probability in [0, 1]. */
  confidence: number;
}

/** Numerically stable softmax of `logits` (one image's row), in float64. */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    out[i] = Math.exp(logits[i] - max);
    sum += out[i];
  }
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

/**
 * The `k` most probable classes of one image's logits, best first (ties by lower index).
 *
 * @example
 * ```ts
 * topK(new Float32Array([0, 2, 1]), 2, ["a", "b", "c"]);
 * // [{class_index: 1, label: "b", ...}, {class_index: 2, label: "c", ...}]
 * ```
 */
export function topK(
  logits: ArrayLike<number>,
  k: number,
  labels: readonly string[],
): ClassScore[] {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer: got ${k}`);
  const probs = softmax(logits);
  const best: number[] = [];
  for (let i = 0; i < probs.length; i++) {
    if (best.length === k && probs[i] <= probs[best[k - 1]]) continue;
    let at = best.length < k ? best.length : k - 1;
    while (at > 0 && probs[best[at - 1]] < probs[i]) at--;
    best.splice(at, 0, i);
    if (best.length > k) best.pop();
  }
  return best.map((i) => ({
    class_index: i,
    label: labels[i] ?? `class_${i}`,
    confidence: probs[i],
  }));
}

/** Splits a `batch × classes` logits buffer into one row per image. */
export function rows(logits: Float32Array, batchSize: number): Float32Array[] {
  const width = logits.length / batchSize;
  if (!Number.isInteger(width)) {
    throw new RangeError(`logits length ${logits.length} is not a multiple of batch ${batchSize}`);
  }
  return Array.from({ length: batchSize }, (_, i) => logits.subarray(i * width, (i + 1) * width));
}
