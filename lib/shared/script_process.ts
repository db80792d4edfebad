/**
 * Starts one of the project's entry scripts as a real process on a loopback port and waits for
 * its structured log to say it is ready.
 *
 * @module
 */
import { jsonLines } from "./json_lines.ts";

/** A started process. */
export interface Started {
  /** The OS process. */
  child: Deno.ChildProcess;
  /** Port from the `listening` log event. */
  port: number;
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** Every log line seen so far (parsed JSON objects). */
  logs: Record<string, unknown>[];
  /** Sends SIGTERM and resolves with the exit status. */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

/**
 * Runs `deno run -A SCRIPT ARGS` and resolves once a log line with `event === readyEvent`
 * appears on stderr (rejects if the process exits first or `timeoutMs` passes).
 */
export async function startScript(
  script: string,
  args: string[],
  options: {
    readyEvent?: string;
    timeoutMs?: number;
    env?: Record<string, string>;
    /** Working directory (default this process's): another checkout, for before/after runs. */
    cwd?: string;
  } = {},
): Promise<Started> {
  const readyEvent = options.readyEvent ?? "ready";
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1", ...options.env },
    cwd: options.cwd,
  }).spawn();
  const logs: Record<string, unknown>[] = [];
  let port = 0;
  let resolveReady!: () => void;
  let rejectReady!: (err: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  const pump = (async () => {
    for await (const entry of jsonLines(child.stderr)) {
      logs.push(entry);
      if (entry.event === "listening" && typeof entry.port === "number") port = entry.port;
      if (entry.event === readyEvent) resolveReady();
    }
    rejectReady(
      new Error(`${script} exited before '${readyEvent}': ${JSON.stringify(logs.slice(-5))}`),
    );
  })();
  const timer = setTimeout(
    () => rejectReady(new Error(`${script} not ready in ${options.timeoutMs ?? 60_000} ms`)),
    options.timeoutMs ?? 60_000,
  );
  try {
    await ready;
  } catch (err) {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await child.status;
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    logs,
    async stop(signal: Deno.Signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
      const status = await child.status;
      await pump;
      return status;
    },
  };
}
