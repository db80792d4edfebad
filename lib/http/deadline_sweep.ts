/**
 * Deadlines for many pieces of work with one timer: a sweep every `sweepMs` over the pending
 * deadlines instead of a timer per piece (a timer per request is measurable on the dispatcher's
 * hot path). A deadline fires up to `sweepMs` late; the sweep runs only while deadlines are
 * pending.
 *
 * @module
 */

interface Entry {
  deadline: number;
  expire(): void;
}

/** One sweeping timer for any number of deadlines. */
export class DeadlineSweep {
  readonly #pending = new Set<Entry>();
  readonly #sweepMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;

  /** Creates the sweep; nothing runs until a deadline is added. */
  constructor(sweepMs: number) {
    this.#sweepMs = sweepMs;
  }

  /** Deadlines not yet expired or cancelled. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Calls `expire` once `timeoutMs` has passed, unless the returned function cancels it first. */
  add(timeoutMs: number, expire: () => void): () => void {
    const entry = { deadline: performance.now() + timeoutMs, expire };
    this.#pending.add(entry);
    if (this.#timer === undefined) {
      const timer = setInterval(() => this.#sweep(), this.#sweepMs);
      Deno.unrefTimer(timer);
      this.#timer = timer;
    }
    return () => this.#pending.delete(entry);
  }

  #sweep(): void {
    const now = performance.now();
    for (const entry of this.#pending) {
      if (entry.deadline <= now) {
        this.#pending.delete(entry);
        entry.expire();
      }
    }
    if (this.#pending.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}
