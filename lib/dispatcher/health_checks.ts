/**
 * Active health checks: every replica not draining is probed on `/readyz` each interval, and at
 * once when it joins; the result moves it between ready and unready (and re-admits an ejected
 * replica).
 *
 * @module
 */
import type { ReplicaPool } from "./replica_pool.ts";

/** Options of {@link startHealthChecks}. */
export interface HealthOptions {
  /** Time between probe rounds, ms. */
  intervalMs: number;
  /** Probe timeout, ms. */
  timeoutMs: number;
}

/** A running health checker. */
export interface HealthChecker {
  /** Probes one replica now (e.g. it just joined). */
  probe(url: string): Promise<void>;
  /** Stops probing. */
  stop(): void;
}

/** Starts probing the pool's replicas. */
export function startHealthChecks(pool: ReplicaPool, options: HealthOptions): HealthChecker {
  const probe = async (url: string) => {
    let ok = false;
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(options.timeoutMs) });
      ok = res.status === 200;
      await res.body?.cancel();
    } catch {
      ok = false;
    }
    pool.probed(url, ok);
  };
  const round = () => {
    for (const entry of pool.list()) if (entry.state !== "draining") probe(entry.url);
  };
  const timer = setInterval(round, options.intervalMs);
  round();
  return { probe, stop: () => clearInterval(timer) };
}
