/**
 * A free list of equal-sized `Float32Array`s, so the replica writes each image tensor and each
 * batch into memory it has used before: on this project's VMs, writing into fresh memory is slow
 * (figures in lib/replica/README.md). Whoever `take()`s a buffer owns it until it `give()`s it
 * back; a buffer given back must not be read or written again by the giver. Buffers that were
 * transferred to a worker and came back are new objects over the same memory: give back what
 * came back.
 *
 * @module
 */
import { isWholeBuffer } from "../shared/mod.ts";

/** A bounded free list of `Float32Array(floats)` buffers. */
export class TensorPool {
  readonly #free: Float32Array[] = [];
  #created = 0;

  /**
   * Creates an empty pool; throws a RangeError for a bad size or count.
   *
   * @param floats the length of every buffer
   * @param keep most idle buffers kept; more given back are left to the garbage collector
   */
  constructor(readonly floats: number, readonly keep: number) {
    if (!Number.isInteger(floats) || floats < 1) {
      throw new RangeError(`floats must be a positive integer: got ${floats}`);
    }
    if (!Number.isInteger(keep) || keep < 0) {
      throw new RangeError(`keep must be a non-negative integer: got ${keep}`);
    }
  }

  /** A buffer of {@link floats} floats: a reused one when one is idle, else a new one. */
  take(): Float32Array {
    const reused = this.#free.pop();
    if (reused) return reused;
    this.#created++;
    return new Float32Array(this.floats);
  }

  /**
   * Returns `buffer` to the pool. Ignored (left to the garbage collector) unless it is a whole
   * buffer of the pool's size that is still attached, and while {@link keep} buffers are idle.
   */
  give(buffer: Float32Array | undefined): void {
    if (
      buffer === undefined || buffer.length !== this.floats || !isWholeBuffer(buffer) ||
      this.#free.length >= this.keep || this.#free.includes(buffer)
    ) return;
    this.#free.push(buffer);
  }

  /** Buffers idle in the pool. */
  get idle(): number {
    return this.#free.length;
  }

  /** Buffers the pool has allocated since it was made. */
  get created(): number {
    return this.#created;
  }
}
