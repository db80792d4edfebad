/**
 * The load tester's clock: milliseconds now, and a wait until a given time that is precise to a
 * fraction of a millisecond.
 *
 * `setTimeout` in Deno wakes ~1–2 ms late, too coarse for a 1,000 req/s schedule. The system clock
 * sleeps with `setTimeout` while the target is more than `spinMs` away, then yields to the event
 * loop with `setImmediate` (a macrotask: I/O and response handling keep running) until the target
 * has passed. So a busy schedule costs one core of polling, and a sparse one costs nothing.
 *
 * Measured and kept (bench/loadtest_bench.ts on a loaded 2-core machine): pure sleeping
 * (`spinMs` 0) costs ~1.3 ms of lag at the median and 2–10x the p99 at 1,000–2,000 req/s. The
 * polling turns ~450,000 times a second and each turn allocates (a scavenge every ~40 ms at
 * 1,000 req/s); waiting 50 µs on the CPU between turns cut the scavenges 4x but made the median
 * latency ~2.5 ms worse: I/O readiness is only picked up every so many turns, so fewer turns
 * means later `done` stamps.
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
