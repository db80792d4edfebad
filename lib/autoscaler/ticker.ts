/**
 * Periodic work on a fixed grid: the k-th run starts at `start + k × period`, whatever the
 * previous runs took (a run that overruns skips the grid points it missed, it never piles up).
 *
 * @module
 */
import type { Logger } from "../shared/mod.ts";

/** Runs functions every so many seconds until `signal` aborts or {@link Ticker.stop}. */
export class Ticker {
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #stopped = false;

  /** Creates a ticker that stops when `signal` aborts; failures of a run go to `log`. */
  constructor(private readonly signal: AbortSignal, private readonly log: Logger) {
    signal.addEventListener("abort", () => this.stop(), { once: true });
  }

  /** Runs `fn` every `seconds`, the first time one period from now. */
  every(seconds: number, fn: () => Promise<unknown>): void {
    const periodMs = seconds * 1000;
    const start = performance.now();
    let k = 0;
    const next = () => {
      if (this.#stopped) return;
      k = Math.max(k + 1, Math.ceil((performance.now() - start) / periodMs));
      const delay = Math.max(0, start + k * periodMs - performance.now());
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        fn().catch((err) => this.log("loop_error", { error: (err as Error).message }, "error"))
          .finally(next);
      }, delay);
      this.#timers.add(timer);
    };
    if (!this.signal.aborted) next();
  }

  /** Cancels every pending run. */
  stop(): void {
    this.#stopped = true;
    this.#timers.forEach(clearTimeout);
    this.#timers.clear();
  }
}
