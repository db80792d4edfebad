/**
 * What happens between preparing a run and starting its clock: unrecorded warm-up requests and
 * a full garbage collection, so that neither connection set-up, JIT compilation nor the
 * preparation's garbage lands on the first scheduled requests.
 *
 * @module
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Send } from "./runner.ts";

/**
 * Sends `count` unrecorded requests (4 at a time, cycling over the `n` scheduled ones' payloads)
 * before the run, so the first scheduled requests do not pay for connection set-up and JIT
 * compilation. Their outcome is ignored.
 */
export async function warmUp(send: Send, count: number, n: number): Promise<void> {
  const signal = new AbortController().signal;
  for (let i = 0; i < count; i += 4) {
    const batch = Array.from(
      { length: Math.min(4, count - i) },
      (_, k) => (i + k) % Math.max(1, n),
    );
    await Promise.all(batch.map((index) => send(index, signal)));
  }
}

/**
 * Runs a full garbage collection when the runtime lets us (V8's `gc`, exposed through
 * node:v8/node:vm): preparing a run leaves tens of MB of garbage, whose collection would
 * otherwise stop the schedule early in the run (figures in README.md).
 */
export function collectGarbage(): void {
  try {
    setFlagsFromString("--expose-gc");
    (runInNewContext("gc") as () => void)();
  } catch {
    // no gc to call: the run goes on with whatever heap it has
  }
}
