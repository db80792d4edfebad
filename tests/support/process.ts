/**
 * Test support: starting entry scripts as real processes (lib/shared/script_process.ts).
 *
 * @module
 */
import { type Started, startScript } from "../../lib/shared/mod.ts";

export { type Started, startScript };

/**
 * A dispatcher on a loopback port in front of `replicas`, probing them every 0.1 s; `flags` come
 * last, so they override these.
 */
export function startDispatcher(
  replicas: readonly { url: string }[],
  flags: string[] = [],
): Promise<Started> {
  return startScript("dispatcher.ts", [
    "--host=127.0.0.1",
    "--port=0",
    `--replicas=${replicas.map((r) => r.url).join(",")}`,
    "--health-interval-s=0.1",
    ...flags,
  ]);
}
