/**
 * One replica process for the local actuator: spawned with `--host 127.0.0.1 --port 0`, its
 * structured stderr read for the `listening` port and the `ready` event, then `/readyz` polled
 * until 200.
 *
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";
import { jsonLines } from "../shared/mod.ts";

/** A spawned replica. */
export interface ReplicaProcess {
  /** The OS process. */
  child: Deno.ChildProcess;
  /** Resolves with the base URL once it logged `ready` and `/readyz` answers 200. */
  ready: Promise<string>;
}

/** Options of {@link spawnReplica}. */
export interface SpawnOptions {
  /** Script to run. */
  script: string;
  /** Deno permission flags. */
  denoArgs: readonly string[];
  /** Extra script flags. */
  args: readonly string[];
  /** Called with the URL once the `listening` line shows the port. */
  onListening?: (url: string) => void;
  /** Longest wait for readiness, ms. */
  readyTimeoutMs: number;
}

/** Starts a replica; `ready` rejects (naming the script) if it exits or times out first. */
export function spawnReplica(o: SpawnOptions): ReplicaProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...o.denoArgs, o.script, "--host", "127.0.0.1", "--port", "0", ...o.args],
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  let resolve!: (url: string) => void, reject!: (e: Error) => void;
  const logged = new Promise<string>((res, rej) => [resolve, reject] = [res, rej]);
  logged.catch(() => {});
  (async () => {
    let url: string | undefined;
    for await (const entry of jsonLines(child.stderr)) {
      if (entry.event === "listening" && typeof entry.port === "number") {
        url = `http://127.0.0.1:${entry.port}`;
        o.onListening?.(url);
      }
      if (entry.event === "ready" && url) resolve(url);
    }
    reject(new Error(`${o.script} exited before it was ready`));
  })();
  const ready = (async () => {
    const until = Date.now() + o.readyTimeoutMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, rej) => {
      timer = setTimeout(
        () => rej(new Error(`${o.script} did not log ready in ${o.readyTimeoutMs} ms`)),
        o.readyTimeoutMs,
      );
    });
    const url = await Promise.race([logged, timeout]).finally(() => clearTimeout(timer));
    for (;;) {
      const ok = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) })
        .then(async (r) => (await r.body?.cancel(), r.ok)).catch(() => false);
      if (ok) return url;
      if (Date.now() > until) throw new Error(`${url}/readyz not 200 in ${o.readyTimeoutMs} ms`);
      await sleep(100);
    }
  })();
  ready.catch(() => {});
  return { child, ready };
}
