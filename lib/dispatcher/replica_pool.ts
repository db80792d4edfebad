/**
 * The dispatcher's view of its replicas: membership, health state and outstanding requests.
 *
 * States: `unready` (added, or its readiness probe failed), `ready` (probe passed: takes work),
 * `ejected` (consecutive connection failures: no work until a probe passes), `draining` (being
 * removed: no new work, forgotten once its outstanding requests finish). Membership sources
 * (static list, admin API, Kubernetes EndpointSlices) all go through {@link ReplicaPool.add},
 * {@link ReplicaPool.drain} and {@link ReplicaPool.replace}.
 *
 * @module
 */
import type { Candidate } from "./balancer.ts";

/** Health state of one replica. */
export type ReplicaHealth = "unready" | "ready" | "ejected" | "draining";

/** All states, for metrics. */
export const REPLICA_HEALTH: readonly ReplicaHealth[] = ["unready", "ready", "ejected", "draining"];

/** One replica as the dispatcher sees it. */
export interface ReplicaEntry {
  /** Base URL, e.g. `http://127.0.0.1:6001`. */
  readonly url: string;
  /** Current state. */
  state: ReplicaHealth;
  /** Requests sent and not yet answered. */
  outstanding: number;
  /** Consecutive connection failures. */
  failures: number;
}

/** Options of a {@link ReplicaPool}. */
export interface PoolOptions {
  /** Most outstanding requests per replica. */
  perReplicaInflight: number;
  /** Consecutive connection failures that eject a replica. */
  ejectAfter: number;
  /** Called whenever capacity may have appeared (a replica became ready, a slot freed). */
  onCapacity?: () => void;
}

/**
 * Normalises a replica URL (no trailing slash). Throws on anything but `http(s)://host[:port]`
 * with an optional base path: another scheme, credentials, a query or fragment, port 0.
 */
export function normaliseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RangeError(`replica URL must be http(s)://host:port: got ${raw}`);
  }
  const plain = (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "" &&
    url.username === "" && url.password === "" && url.search === "" && url.hash === "" &&
    url.port !== "0" && !raw.includes("?") && !raw.includes("#");
  if (!plain) throw new RangeError(`replica URL must be http(s)://host:port: got ${raw}`);
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
}

/** The replica set. */
export class ReplicaPool {
  readonly #entries = new Map<string, ReplicaEntry>();
  readonly #options: PoolOptions;

  /** Creates an empty pool. */
  constructor(options: PoolOptions) {
    this.#options = options;
  }

  /** Adds a replica (state `unready` until a probe passes); false if already present. */
  add(rawUrl: string): boolean {
    const url = normaliseUrl(rawUrl);
    const existing = this.#entries.get(url);
    if (existing && existing.state !== "draining") return false;
    if (existing) existing.state = "unready";
    else this.#entries.set(url, { url, state: "unready", outstanding: 0, failures: 0 });
    return true;
  }

  /** Starts removing a replica: no new work; gone when idle. False if unknown. */
  drain(rawUrl: string): boolean {
    const entry = this.#entries.get(normaliseUrl(rawUrl));
    if (!entry) return false;
    entry.state = "draining";
    this.#forgetIfIdle(entry);
    return true;
  }

  /** Makes the membership exactly `urls`: adds the new ones, drains the rest. */
  replace(urls: readonly string[]): void {
    const wanted = new Set(urls.map(normaliseUrl));
    for (const url of wanted) this.add(url);
    for (const entry of [...this.#entries.values()]) {
      if (!wanted.has(entry.url) && entry.state !== "draining") this.drain(entry.url);
    }
  }

  /** The replica with this URL, if known. */
  get(rawUrl: string): ReplicaEntry | undefined {
    return this.#entries.get(normaliseUrl(rawUrl));
  }

  /** Every known replica. */
  list(): ReplicaEntry[] {
    return [...this.#entries.values()];
  }

  /** Ready replicas under their in-flight cap, minus `exclude`. */
  candidates(exclude?: ReadonlySet<string>): Candidate[] {
    const out: Candidate[] = [];
    for (const e of this.#entries.values()) {
      if (e.state !== "ready" || e.outstanding >= this.#options.perReplicaInflight) continue;
      if (exclude?.has(e.url)) continue;
      out.push({ id: e.url, outstanding: e.outstanding });
    }
    return out;
  }

  /** True when some replica is ready (even if busy), so a queued request can expect service. */
  get anyReady(): boolean {
    for (const e of this.#entries.values()) if (e.state === "ready") return true;
    return false;
  }

  /** Counts one more outstanding request on `url`. */
  acquire(url: string): void {
    const entry = this.#entries.get(url);
    if (entry) entry.outstanding++;
  }

  /** Counts a request on `url` as answered; frees its slot. */
  release(url: string): void {
    const entry = this.#entries.get(url);
    if (!entry) return;
    entry.outstanding = Math.max(0, entry.outstanding - 1);
    this.#forgetIfIdle(entry);
    this.#options.onCapacity?.();
  }

  /** Records a readiness probe result. */
  probed(url: string, ok: boolean): void {
    const entry = this.#entries.get(url);
    if (!entry || entry.state === "draining") return;
    const wasReady = entry.state === "ready";
    if (ok) {
      entry.state = "ready";
      entry.failures = 0;
      if (!wasReady) this.#options.onCapacity?.();
    } else if (entry.state === "ready") {
      entry.state = "unready";
    }
  }

  /** Records a connection failure (refused, reset before headers); ejects after enough. */
  failed(url: string): void {
    const entry = this.#entries.get(url);
    if (!entry) return;
    entry.failures++;
    if (entry.failures >= this.#options.ejectAfter && entry.state === "ready") {
      entry.state = "ejected";
    }
  }

  /** Records an answer from `url` (any status): the connection works. */
  answered(url: string): void {
    const entry = this.#entries.get(url);
    if (entry) entry.failures = 0;
  }

  /** Replicas per state. */
  counts(): Record<ReplicaHealth, number> {
    const counts = { unready: 0, ready: 0, ejected: 0, draining: 0 };
    for (const e of this.#entries.values()) counts[e.state]++;
    return counts;
  }

  #forgetIfIdle(entry: ReplicaEntry): void {
    if (entry.state === "draining" && entry.outstanding === 0) this.#entries.delete(entry.url);
  }
}
