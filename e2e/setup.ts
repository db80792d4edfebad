/**
 * Stack pieces the e2e scenarios share: native replicas, a dispatcher in front of them, an
 * autoscaler with the local actuator, and a sampler of the processes' resident memory.
 *
 * @module
 */
import { childPids, cmdline, mib, readyReplicas, rssBytes, waitUntil } from "./measure.ts";
import type { Proc, Stack } from "./stack.ts";

/** Replica flags of the e2e stack: native onnxruntime, one thread (one replica per core). */
export const REPLICA_ARGS = ["--backend=native", "--threads=1"];

/** Starts `n` replicas on loopback. */
export function startReplicas(stack: Stack, n: number, extra: string[] = []): Promise<Proc[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      stack.script(`replica-${i + 1}`, "replica.ts", [
        "--host=127.0.0.1",
        "--port=0",
        ...REPLICA_ARGS,
        ...extra,
      ], { timeoutMs: 120_000 })),
  );
}

/** Starts a dispatcher in front of `replicas` and waits until they are all ready in it. */
export async function startDispatcher(
  stack: Stack,
  replicas: Proc[],
  extra: string[] = [],
): Promise<Proc> {
  const d = await stack.script("dispatcher", "dispatcher.ts", [
    "--host=127.0.0.1",
    "--port=0",
    `--replicas=${replicas.map((r) => r.url).join(",")}`,
    "--health-interval-s=0.2",
    ...extra,
  ]);
  if (replicas.length > 0) await waitReady(d.url, replicas.length, 30_000);
  return d;
}

/** Waits until the dispatcher lists `n` ready replicas; resolves with their URLs. */
export function waitReady(dispatcherUrl: string, n: number, timeoutMs: number): Promise<string[]> {
  return waitUntil(`${n} ready replicas`, async () => {
    const ready = await readyReplicas(dispatcherUrl);
    return ready.length === n ? ready : undefined;
  }, timeoutMs);
}

/** Replica processes a process started (children whose command line runs replica.ts). */
export function replicaChildren(pid: number): number[] {
  return childPids(pid).filter((c) => cmdline(c).includes("replica.ts"));
}

/** Peak and last resident memory of processes sampled every `everyMs`. */
export class RssSampler {
  readonly #timer: ReturnType<typeof setInterval>;
  readonly peak = new Map<string, number>();
  readonly last = new Map<string, number>();

  /** Samples `procs()` (name → pid) every `everyMs` until {@link stop}. */
  constructor(readonly procs: () => Record<string, number>, everyMs = 500) {
    this.sample();
    this.#timer = setInterval(() => this.sample(), everyMs);
  }

  /** Takes one sample now. */
  sample(): void {
    for (const [name, pid] of Object.entries(this.procs())) {
      const rss = rssBytes(pid);
      if (rss === undefined) continue;
      this.last.set(name, rss);
      this.peak.set(name, Math.max(rss, this.peak.get(name) ?? 0));
    }
  }

  /** Stops sampling. */
  stop(): void {
    clearInterval(this.#timer);
  }

  /** Peak RSS over every sampled process, MiB. */
  maxPeakMib(): number {
    return mib(Math.max(0, ...this.peak.values()));
  }
}

/** Resident memory of named processes now, MiB. */
export function rssNow(procs: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(procs).map(([n, pid]) => [n, mib(rssBytes(pid))]));
}
