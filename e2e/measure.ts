/**
 * Measurements for the e2e scenarios: resident memory and children of processes (Linux /proc),
 * listening ports of a process, counters from a `/metrics` page, the replicas a dispatcher lists,
 * percentiles, and polling helpers.
 *
 * @module
 */

/** Sleeps `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resident set size of `pid` in bytes (VmRSS), or undefined when it is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return kb ? Number(kb[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) `pid` has used, seconds, or undefined when it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

/** Direct children of `pid` (every thread's `children` list). */
export function childPids(pid: number): number[] {
  const out = new Set<number>();
  try {
    for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
      const text = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/children`);
      for (const p of text.trim().split(/\s+/)) if (p) out.add(Number(p));
    }
  } catch { /* gone */ }
  return [...out];
}

/** The command line of `pid`, space-joined ("" when gone). */
export function cmdline(pid: number): string {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0").join(" ").trim();
  } catch {
    return "";
  }
}

/** TCP ports `pid` listens on (socket inodes of its fds matched in /proc/net/tcp{,6}). */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  try {
    for (const fd of Deno.readDirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(Deno.readLinkSync(`/proc/${pid}/fd/${fd.name}`));
        if (m) inodes.add(m[1]);
      } catch { /* closed meanwhile */ }
    }
  } catch {
    return [];
  }
  const ports: number[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = Deno.readTextFileSync(file);
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== "0A" || !inodes.has(f[9])) continue;
      ports.push(parseInt(f[1].split(":")[1], 16));
    }
  }
  return ports;
}

/** Open file descriptors of `pid` (undefined when gone). */
export function fdCount(pid: number): number | undefined {
  try {
    return [...Deno.readDirSync(`/proc/${pid}/fd`)].length;
  } catch {
    return undefined;
  }
}

/** Samples of a metrics page: `name{labels}` → value (labels as written). */
export async function scrape(url: string, timeoutMs = 5000): Promise<Map<string, number>> {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(\S+?(?:\{[^}]*\})?)\s+(\S+)/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

/** Sum of every series of metric `name` (any labels) whose labels contain `labelFilter`. */
export function metricSum(samples: Map<string, number>, name: string, labelFilter = ""): number {
  let sum = 0;
  for (const [key, value] of samples) {
    const base = key.split("{")[0];
    if (base === name && key.includes(labelFilter)) sum += value;
  }
  return sum;
}

/** One replica as the dispatcher's admin API lists it. */
export interface ListedReplica {
  /** Base URL. */
  url: string;
  /** `ready`, `unready`, `draining`, ... */
  state: string;
}

/** The dispatcher's replicas (`GET /admin/replicas`, loopback). */
export async function listReplicas(dispatcherUrl: string): Promise<ListedReplica[]> {
  const res = await fetch(`${dispatcherUrl}/admin/replicas`, { signal: AbortSignal.timeout(5000) });
  return (await res.json()).replicas;
}

/** Ready replicas of the dispatcher. */
export async function readyReplicas(dispatcherUrl: string): Promise<string[]> {
  return (await listReplicas(dispatcherUrl)).filter((r) => r.state === "ready").map((r) => r.url);
}

/** Polls `check` every `everyMs` until it returns a value other than undefined/false. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  everyMs = 100,
): Promise<T> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve().then(check).catch(() => undefined);
    if (value !== undefined && value !== false) return value as T;
    if (performance.now() > until) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(everyMs);
  }
}

/** The `q` quantile (0..1) of `values` (nearest rank), NaN when empty. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Bytes as MiB with one decimal. */
export const mib = (bytes: number | undefined): number =>
  bytes === undefined ? NaN : Math.round(bytes / 1024 / 1024 * 10) / 10;

/** A number rounded to `digits` decimals. */
export const round = (x: number, digits = 1): number =>
  Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : x;
