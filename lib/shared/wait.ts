/**
 * Waiting for a condition: poll `check` until it holds, or fail with what was awaited.
 *
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";

/** Options of {@link waitFor}. */
export interface WaitOptions {
  /** Longest wait, ms (default 5,000). */
  timeoutMs?: number;
  /** Pause between checks, ms (default 50). */
  intervalMs?: number;
  /** Stops the wait with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Resolves once `check` returns true; a check that throws counts as false. Rejects with
 * "timed out after N ms waiting for WHAT" once `timeoutMs` has passed.
 */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  options: WaitOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const until = Date.now() + timeoutMs;
  for (;;) {
    options.signal?.throwIfAborted();
    if (await Promise.resolve().then(check).catch(() => false)) return;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(options.intervalMs ?? 50);
  }
}
