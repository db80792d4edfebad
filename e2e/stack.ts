/**
 * The e2e stack launcher: real processes on loopback, each in its own process group, so that a
 * process and everything it started (the autoscaler's replicas) are stopped together, and a
 * {@link Stack} that tears everything down in reverse order: SIGTERM, a grace period, then
 * SIGKILL to the whole group. Every live group is also killed when the e2e process unloads or
 * dies of an uncaught error, so a failed scenario leaks no process.
 *
 * @module
 */
import { jsonLines } from "../lib/shared/mod.ts";

/**
 * A JSON log line of a started process (or `{raw}` for a line that is not JSON), with `_t`, the
 * `performance.now()` of this process when the line arrived.
 */
export type LogEntry = Record<string, unknown>;

/** A started process. */
export interface Proc {
  /** Name in figures and errors. */
  name: string;
  /** OS process id (also its process group id). */
  pid: number;
  /** Port from its `listening` log event (0 when it logs none). */
  port: number;
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** Log lines seen so far. */
  logs: LogEntry[];
  /** Resolves with the exit status. */
  exited: Promise<Deno.CommandStatus>;
  /** Whether it is still running. */
  readonly alive: boolean;
  /** SIGTERM, then SIGKILL to the group after `graceMs`; resolves with the exit status. */
  stop(graceMs?: number): Promise<Deno.CommandStatus>;
  /** SIGKILL to the process only (its children live on). */
  crash(): void;
  /** Sends `signal` to the process only. */
  signal(signal: Deno.Signal): void;
  /** Resolves with the first log entry (from now on or already seen) `match` accepts. */
  waitLog(match: (e: LogEntry) => boolean, timeoutMs: number): Promise<LogEntry>;
}

const liveGroups = new Set<number>();
let unloadHooked = false;

function killGroup(pid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(-pid, signal);
  } catch { /* group gone */ }
}

/** Kills every process group still registered (used on unload and by {@link Stack.close}). */
export function killAllGroups(): void {
  for (const pid of liveGroups) killGroup(pid, "SIGKILL");
  liveGroups.clear();
}

function hookUnload(): void {
  if (unloadHooked) return;
  unloadHooked = true;
  globalThis.addEventListener("unload", killAllGroups);
  // An uncaught error ends the process without "unload": kill the groups first (the error
  // still ends the process, since these listeners do not prevent it).
  globalThis.addEventListener("error", killAllGroups);
  globalThis.addEventListener("unhandledrejection", killAllGroups);
}

/** Options of {@link spawnProc}. */
export interface SpawnOptions {
  /** Log event that means ready (default `ready`; empty: resolve at once). */
  readyEvent?: string;
  /** Longest wait for it, ms (default 60 s). */
  timeoutMs?: number;
  /** Extra environment. */
  env?: Record<string, string>;
  /** Capture stdout (its text is in `stdout()`); default discarded. */
  stdout?: boolean;
}

/**
 * Spawns `command args` in a new process group, collects its JSON stderr log, and resolves once
 * the ready event appears (rejects, after killing the group, if it exits first or times out).
 */
export async function spawnProc(
  name: string,
  command: string,
  args: string[],
  options: SpawnOptions = {},
): Promise<Proc & { stdout(): string }> {
  hookUnload();
  const child = new Deno.Command(command, {
    args,
    stdin: "null",
    stdout: options.stdout ? "piped" : "null",
    stderr: "piped",
    env: { NO_COLOR: "1", ...options.env },
    detached: true,
  }).spawn();
  const pid = child.pid;
  liveGroups.add(pid);
  let alive = true;
  const exited = child.status.then((s) => {
    alive = false;
    return s;
  });
  const logs: LogEntry[] = [];
  const waiters: { match: (e: LogEntry) => boolean; resolve: (e: LogEntry) => void }[] = [];
  let port = 0;
  const pump = (async () => {
    for await (const entry of jsonLines(child.stderr)) {
      entry._t = performance.now();
      if (entry.event === "listening" && typeof entry.port === "number" && !port) {
        port = entry.port;
      }
      if (logs.length < 50_000) logs.push(entry);
      for (const w of [...waiters]) {
        if (w.match(entry)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(entry);
        }
      }
    }
  })();
  let out = "";
  const outPump = options.stdout
    ? (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child.stdout) out += decoder.decode(chunk, { stream: true });
    })()
    : Promise.resolve();
  const waitLog = (match: (e: LogEntry) => boolean, timeoutMs: number) => {
    const seen = logs.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise<LogEntry>((resolve, reject) => {
      const waiter = { match, resolve: (e: LogEntry) => (clearTimeout(timer), resolve(e)) };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        reject(new Error(`${name}: no matching log line in ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.push(waiter);
      exited.then(() => {
        if (!waiters.includes(waiter)) return;
        waiters.splice(waiters.indexOf(waiter), 1);
        clearTimeout(timer);
        reject(new Error(`${name} exited: last log ${JSON.stringify(logs.slice(-3))}`));
      });
    });
  };
  const stop = async (graceMs = 10_000) => {
    if (alive) {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
    }
    const timer = setTimeout(() => killGroup(pid, "SIGKILL"), graceMs);
    const status = await exited;
    clearTimeout(timer);
    killGroup(pid, "SIGKILL"); // anything it left behind
    liveGroups.delete(pid);
    await Promise.all([pump, outPump]);
    return status;
  };
  const proc = {
    name,
    pid,
    get port() {
      return port;
    },
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    logs,
    exited,
    get alive() {
      return alive;
    },
    stop,
    crash() {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
    },
    signal(sig: Deno.Signal) {
      try {
        child.kill(sig);
      } catch { /* gone */ }
    },
    waitLog,
    stdout: () => out,
  };
  const ready = options.readyEvent ?? "ready";
  if (ready) {
    try {
      await waitLog((e) => e.event === ready, options.timeoutMs ?? 60_000);
    } catch (err) {
      await stop(0);
      throw err;
    }
  }
  return proc;
}

/** `deno run -A SCRIPT ARGS` as a {@link spawnProc}. */
export function spawnScript(
  name: string,
  script: string,
  args: string[],
  options: SpawnOptions = {},
): Promise<Proc & { stdout(): string }> {
  return spawnProc(name, Deno.execPath(), ["run", "-A", "--no-prompt", script, ...args], options);
}

/** A loopback port free right now. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Processes of one scenario, stopped together by {@link Stack.close}. */
export class Stack {
  /** The processes, in start order. */
  readonly procs: Proc[] = [];
  readonly #cleanups: (() => Promise<void>)[] = [];

  /** Starts a script and keeps it for {@link close}. */
  async script(
    name: string,
    script: string,
    args: string[],
    options?: SpawnOptions,
  ): Promise<Proc & { stdout(): string }> {
    const p = await spawnScript(name, script, args, options);
    this.procs.push(p);
    return p;
  }

  /** Starts any command and keeps it for {@link close}. */
  async command(
    name: string,
    command: string,
    args: string[],
    options?: SpawnOptions,
  ): Promise<Proc & { stdout(): string }> {
    const p = await spawnProc(name, command, args, options);
    this.procs.push(p);
    return p;
  }

  /** Runs `fn` on {@link close} (after the processes stop). */
  defer(fn: () => Promise<void>): void {
    this.#cleanups.push(fn);
  }

  /** The processes that exited while they should not have (everything not stopped by us). */
  deaths(): string[] {
    return this.procs.filter((p) => !p.alive).map((p) => p.name);
  }

  /** Stops every process, newest first, then runs the deferred clean-ups. */
  async close(graceMs = 10_000): Promise<void> {
    for (const p of [...this.procs].reverse()) await p.stop(graceMs).catch(() => {});
    for (const fn of this.#cleanups.reverse()) await fn().catch(() => {});
  }
}
