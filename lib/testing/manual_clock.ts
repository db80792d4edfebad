/**
 * A clock for tests: time moves only when the test calls `advance`.
 *
 * @module
 */
import type { TimerClock } from "../shared/mod.ts";

/** A {@link TimerClock} stepped by hand. */
export class ManualClock implements TimerClock {
  #now: number;
  #timers: { at: number; fn: () => void; id: number }[] = [];
  #nextId = 0;

  /** Starts at `start` epoch ms. */
  constructor(start = 1_000_000) {
    this.#now = start;
  }

  /** Current time in ms. */
  now(): number {
    return this.#now;
  }

  /** Registers `fn` to run when time reaches now + ms. */
  schedule(fn: () => void, ms: number): () => void {
    const id = this.#nextId++;
    this.#timers.push({ at: this.#now + ms, fn, id });
    return () => {
      this.#timers = this.#timers.filter((t) => t.id !== id);
    };
  }

  /** Moves time forward, firing due timers in order, and lets promise callbacks run. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.#timers[0];
      if (!next || next.at > end) break;
      this.#timers.shift();
      this.#now = next.at;
      next.fn();
      await flush();
    }
    this.#now = end;
    await flush();
  }
}

/** Lets pending promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
