/**
 * The load tester's clock: milliseconds now, and a wait until a given time that is precise to a
 * fraction of a millisecond (`setTimeout` wakes ~1–2 ms late, too coarse for 1,000 req/s). It
 * sleeps with `setTimeout` while the target is more than `spinMs` away, then yields to the event
 * loop with `setImmediate` (I/O and responses keep running) until the target has passed: a busy
 * schedule costs one core of polling, a sparse one nothing. Trade-offs: README.md.
 *
 * @module
 */
import { setImmediate } from "node:timers";

/** Time source and waiter of the runner (injected, so tests can use virtual time). */
export interface Clock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Resolves once `now() >= targetMs`, or early when `signal` aborts. */
  waitUntil(targetMs: number, signal?: AbortSignal): Promise<void>;
}

/** Options of {@link createSystemClock}. */
export interface SystemClockOptions {
  /** Below this many ms to the target, poll with setImmediate instead of sleeping (default 3). */
  spinMs?: number;
  /** Longest single sleep, so an abort is seen within this many ms (default 100). */
  maxSleepMs?: number;
}

/** The real clock: `performance.now()` and the sleep-then-poll wait described above. */
export function createSystemClock(options: SystemClockOptions = {}): Clock {
  const spinMs = options.spinMs ?? 3;
  const maxSleepMs = options.maxSleepMs ?? 100;
  const now = () => performance.now();
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    now,
    async waitUntil(targetMs, signal) {
      for (;;) {
        if (signal?.aborted) return;
        const remaining = targetMs - now();
        if (remaining <= 0) return;
        if (remaining > spinMs) await sleep(Math.min(remaining - spinMs, maxSleepMs));
        else await tick();
      }
    },
  };
}
