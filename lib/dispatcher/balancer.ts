/**
 * Load balancers over the replicas that can take a request now. Each is a pure choice over a
 * candidate list plus the balancer's own small state (the round-robin cursor, the random source),
 * so it can be tested with tables and reused by the simulator.
 *
 * @module
 */

/** A replica that can take a request (ready, not draining, under its in-flight cap). */
export interface Candidate {
  /** Stable identity (the replica URL). */
  id: string;
  /** Requests sent to it and not yet answered. */
  outstanding: number;
}

/** Balancer names accepted by `--balancer`. */
export const BALANCERS = ["least-outstanding", "round-robin", "p2c"] as const;

/** One of {@link BALANCERS}. */
export type BalancerName = typeof BALANCERS[number];

/** Picks a candidate index, or -1 for an empty list. */
export interface Balancer {
  /** The algorithm's name. */
  readonly name: BalancerName;
  /** Chooses among `candidates` (never empty when called by the dispatcher). */
  pick(candidates: readonly Candidate[]): number;
}

/**
 * Round-robin in id order (the seed's dispatcher): the first candidate after the last one
 * chosen, so a replica that is skipped while busy does not lose its turn for long.
 */
export function roundRobin(candidates: readonly Candidate[], lastId: string | undefined): number {
  if (candidates.length === 0) return -1;
  let best = -1, first = 0;
  for (let i = 0; i < candidates.length; i++) {
    const id = candidates[i].id;
    if (id < candidates[first].id) first = i;
    if (lastId !== undefined && id > lastId && (best < 0 || id < candidates[best].id)) best = i;
  }
  return best >= 0 ? best : first;
}

/**
 * Fewest outstanding requests; ties go to the first candidate at or after `start` (circularly),
 * so a rotating `start` spreads an idle cluster's requests instead of piling them on one replica.
 */
export function leastOutstanding(candidates: readonly Candidate[], start = 0): number {
  const n = candidates.length;
  let best = -1;
  for (let k = 0; k < n; k++) {
    const i = (start + k) % n;
    if (best < 0 || candidates[i].outstanding < candidates[best].outstanding) best = i;
  }
  return best;
}

/**
 * Power of two choices (Mitzenmacher): two distinct candidates drawn from the uniforms `u1`,
 * `u2` in [0,1), the one with fewer outstanding requests wins (the first on a tie).
 */
export function powerOfTwo(candidates: readonly Candidate[], u1: number, u2: number): number {
  const n = candidates.length;
  if (n <= 1) return n - 1;
  const a = Math.floor(u1 * n);
  const b = (a + 1 + Math.floor(u2 * (n - 1))) % n;
  return candidates[b].outstanding < candidates[a].outstanding ? b : a;
}

/** Creates a balancer; `random` supplies uniforms in [0,1) for p2c. */
export function createBalancer(name: BalancerName, random: () => number = Math.random): Balancer {
  switch (name) {
    case "least-outstanding": {
      let turn = 0;
      return { name, pick: (c) => leastOutstanding(c, c.length ? turn++ % c.length : 0) };
    }
    case "p2c":
      return { name, pick: (c) => powerOfTwo(c, random(), random()) };
    case "round-robin": {
      let last: string | undefined;
      return {
        name,
        pick(c) {
          const i = roundRobin(c, last);
          if (i >= 0) last = c[i].id;
          return i;
        },
      };
    }
    default:
      throw new RangeError(`balancer must be one of ${BALANCERS.join("|")}: got ${name}`);
  }
}
