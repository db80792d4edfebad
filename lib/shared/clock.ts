/**
 * The clock that timed components take by injection (the replica's batcher, the dispatcher's
 * queue), so tests step time by hand (lib/testing/manual_clock.ts).
 *
 * @module
 */

/** Timer functions, injectable so tests step time by hand. */
export interface TimerClock {
  /** Current time in epoch milliseconds (compared with request deadlines). */
  now(): number;
  /** Calls `fn` after `ms`; returns a function that cancels it. */
  schedule(fn: () => void, ms: number): () => void;
}

/** The real clock: epoch milliseconds with sub-millisecond resolution, and `setTimeout`. */
export const systemClock: TimerClock = {
  now: () => performance.timeOrigin + performance.now(),
  schedule(fn, ms) {
    const id = setTimeout(fn, ms);
    return () => clearTimeout(id);
  },
};
