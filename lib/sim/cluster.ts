/**
 * The simulated request path and pods: the dispatcher's central bounded FIFO, least-outstanding
 * choice among ready replicas below the per-replica in-flight cap, each replica's dynamic batcher,
 * and pods that start, serve, drain and go; on a shared host a batch is stretched by the
 * machine's CPU oversubscription. Semantics follow lib/dispatcher/scheduler.ts and
 * lib/replica/batcher.ts (details: lib/sim/README.md). Requests are pooled records in typed arrays
 * and events are per batch, so a request costs a few array operations.
 *
 * @module
 */
import type { SharedHost } from "./calibration.ts";
import type { ResolvedConfig } from "./config.ts";
import type { EventHeap } from "./heap.ts";
import type { Recorder } from "./recorder.ts";
import { DRAINING, READY, ReplicaTable, STARTING } from "./replicas.ts";

/** Event kind: a replica's batch finished (a = slot, b = gen). */
export const EV_BATCH_DONE = 1;
/** Event kind: a replica's batch delay expired (a = slot, b = gen). */
export const EV_BATCH_TIMER = 2;
/** Event kind: a pod became ready (a = slot, b = gen). */
export const EV_POD_READY = 3;

/** The dispatcher and its replicas. */
export class SimCluster {
  /** Per-replica state. */
  readonly table: ReplicaTable;
  /** Pods starting. */
  starting = 0;
  /** Pods ready. */
  ready = 0;
  /** Pods draining. */
  draining = 0;
  /** Requests at replicas (in a batch or waiting for one). */
  atReplicas = 0;

  #arrival: Float64Array;
  #sentAt: Float64Array;
  #freeSlots: number[] = [];
  #slotsUsed = 0;
  readonly #q: Int32Array;
  #qHead = 0;
  #qLen = 0;
  readonly #qCap: number;
  readonly #timeout: number;
  readonly #maxBatch: number;
  readonly #delay: number;
  readonly #overhead: number;
  /** Batches running now. */
  #running = 0;
  /** The shared host; absent: each pod has its own CPU. */
  readonly #host: SharedHost | undefined;
  readonly #threads: number;
  readonly #requestCpu: number;
  #podSeconds = 0;
  #readySeconds = 0;
  #lastT = 0;

  /** A cluster with no pods; see {@link SimCluster.addReady} and {@link SimCluster.scaleTo}. */
  constructor(
    config: ResolvedConfig,
    private readonly heap: EventHeap,
    private readonly rec: Recorder,
    private readonly service: (size: number) => number,
    private readonly startup: () => number,
  ) {
    const d = config.dispatcher;
    this.table = new ReplicaTable(d.perReplicaInflight, 16);
    this.#qCap = d.queueCapacity;
    this.#q = new Int32Array(Math.max(1, d.queueCapacity));
    this.#timeout = d.timeoutSeconds;
    this.#maxBatch = d.maxBatch;
    this.#delay = d.batchDelaySeconds;
    this.#overhead = config.calibration.requestOverheadSeconds;
    this.#host = config.calibration.host;
    this.#threads = config.calibration.threads;
    this.#requestCpu = config.calibration.requestCpuSeconds ?? 0;
    this.#arrival = new Float64Array(1024);
    this.#sentAt = new Float64Array(1024);
  }

  /** Pods that exist (starting + ready + draining). */
  get pods(): number {
    return this.starting + this.ready + this.draining;
  }

  /** Requests waiting in the dispatcher at `now` (expired ones leave first). */
  queueLength(now: number): number {
    this.#expire(now);
    return this.#qLen;
  }

  /** Pod-seconds and ready-replica-seconds paid up to `now`. */
  cost(now: number): { podSeconds: number; readySeconds: number } {
    this.#integrate(now);
    return { podSeconds: this.#podSeconds, readySeconds: this.#readySeconds };
  }

  /**
   * CPU seconds replica `r` has used up to `now` beyond its idle draw: `threads` × its time
   * computing batches + `requestCpuSeconds` per request answered.
   */
  cpuSeconds(r: number, now: number): number {
    const t = this.table;
    const busy = t.busyCum[r] + (t.batchLen[r] > 0 ? now - t.batchStart[r] : 0);
    return this.#threads * busy + this.#requestCpu * t.servedCum[r];
  }

  /** Adds `n` replicas that are ready at `now` (and old: created an hour before). */
  addReady(n: number, now: number): void {
    this.#integrate(now);
    for (let i = 0; i < n; i++) {
      const r = this.table.allocate(READY, now - 3600);
      this.table.readyAt[r] = now - 3600;
      this.table.add(r);
      this.ready++;
    }
  }

  /** A request arrives at `now`. */
  arrive(now: number): void {
    this.rec.arrival();
    if (this.#qLen > 0) this.#expire(now);
    if (this.#qLen === 0) {
      const r = this.table.pick();
      if (r >= 0) {
        this.#send(r, this.#newRequest(now), now);
        return;
      }
    }
    if (this.#qLen >= this.#qCap) {
      this.rec.rejected();
      return;
    }
    this.#q[(this.#qHead + this.#qLen++) % this.#qCap] = this.#newRequest(now);
  }

  /** Handles a cluster event (`EV_*`) popped from the heap. */
  handle(kind: number, r: number, gen: number, now: number): void {
    const t = this.table;
    if (t.gen[r] !== gen) return;
    if (kind === EV_BATCH_DONE) this.#batchDone(r, now);
    else if (kind === EV_BATCH_TIMER) {
      if (t.timerAt[r] !== now) return;
      t.timerAt[r] = -1;
      if (t.batchLen[r] === 0 && t.lineLen[r] > 0) this.#startBatch(r, now);
    } else if (kind === EV_POD_READY && t.state[r] === STARTING) {
      this.#integrate(now);
      t.state[r] = READY;
      t.readyAt[r] = now;
      this.starting--;
      this.ready++;
      t.add(r);
      this.#pump(now);
    }
  }

  /**
   * Brings the pods that are not draining (starting + ready) to `target`: new pods start with
   * the sampled startup delay (or `startupSeconds`); removed pods are chosen as a ReplicaSet
   * does — starting ones first (newest first), then the most recently ready — and drain.
   */
  scaleTo(target: number, now: number, startupSeconds?: number): void {
    const t = this.table;
    let have = this.starting + this.ready;
    if (target === have) return;
    this.#integrate(now);
    for (; have < target; have++) {
      const r = t.allocate(STARTING, now);
      this.starting++;
      this.heap.push(now + (startupSeconds ?? this.startup()), EV_POD_READY, r, t.gen[r]);
    }
    if (have <= target) return;
    const victims = t.victims();
    for (let i = 0; i < have - target; i++) {
      const r = victims[i];
      if (t.state[r] === STARTING) {
        this.starting--;
        t.release(r);
        continue;
      }
      this.ready--;
      t.remove(r);
      if (t.lineLen[r] === 0) t.release(r);
      else {
        t.state[r] = DRAINING;
        this.draining++;
      }
    }
  }

  #integrate(now: number): void {
    const dt = now - this.#lastT;
    if (dt > 0) {
      this.#podSeconds += dt * (this.starting + this.ready + this.draining);
      this.#readySeconds += dt * this.ready;
      this.#lastT = now;
    }
  }

  #newRequest(now: number): number {
    let slot = this.#freeSlots.pop();
    if (slot === undefined) {
      if (this.#slotsUsed === this.#arrival.length) {
        const a = new Float64Array(this.#arrival.length * 2);
        a.set(this.#arrival);
        this.#arrival = a;
        const s = new Float64Array(a.length);
        s.set(this.#sentAt);
        this.#sentAt = s;
      }
      slot = this.#slotsUsed++;
    }
    this.#arrival[slot] = now;
    return slot;
  }

  #expire(now: number): void {
    const deadline = now - this.#timeout;
    while (this.#qLen > 0) {
      const slot = this.#q[this.#qHead];
      if (this.#arrival[slot] > deadline) return;
      this.#qHead = (this.#qHead + 1) % this.#qCap;
      this.#qLen--;
      this.#freeSlots.push(slot);
      this.rec.failed();
    }
  }

  #pump(now: number): void {
    while (this.#qLen > 0) {
      this.#expire(now);
      if (this.#qLen === 0) return;
      const r = this.table.pick();
      if (r < 0) return;
      const slot = this.#q[this.#qHead];
      this.#qHead = (this.#qHead + 1) % this.#qCap;
      this.#qLen--;
      this.#send(r, slot, now);
    }
  }

  #send(r: number, slot: number, now: number): void {
    const t = this.table, cap = t.cap;
    t.line[r * cap + (t.lineHead[r] + t.lineLen[r]) % cap] = slot;
    t.lineLen[r]++;
    this.atReplicas++;
    this.#sentAt[slot] = now;
    t.refile(r);
    if (t.batchLen[r] === 0) this.#maybeStart(r, now);
  }

  /** An idle replica with waiting requests: start a batch now or set the delay timer. */
  #maybeStart(r: number, now: number): void {
    const t = this.table;
    const oldest = this.#sentAt[t.line[r * t.cap + t.lineHead[r]]];
    if (t.lineLen[r] >= this.#maxBatch || now - oldest >= this.#delay - 1e-12) {
      this.#startBatch(r, now);
      return;
    }
    const at = oldest + this.#delay;
    if (t.timerAt[r] !== at) {
      t.timerAt[r] = at;
      this.heap.push(at, EV_BATCH_TIMER, r, t.gen[r]);
    }
  }

  #startBatch(r: number, now: number): void {
    const t = this.table, cap = t.cap, base = r * cap;
    t.timerAt[r] = -1;
    const deadline = now - this.#timeout;
    while (t.lineLen[r] > 0 && this.#arrival[t.line[base + t.lineHead[r]]] <= deadline) {
      this.#freeSlots.push(t.line[base + t.lineHead[r]]);
      t.lineHead[r] = (t.lineHead[r] + 1) % cap;
      t.lineLen[r]--;
      this.atReplicas--;
      this.rec.failed();
    }
    if (t.state[r] === READY) t.refile(r);
    const size = Math.min(t.lineLen[r], this.#maxBatch);
    if (size === 0) {
      this.#idle(r, now);
      return;
    }
    for (let i = 0; i < size; i++) {
      this.rec.waited(now - this.#arrival[t.line[base + (t.lineHead[r] + i) % cap]]);
    }
    t.batchLen[r] = size;
    t.batchStart[r] = now;
    this.#running++;
    this.heap.push(now + this.service(size) * this.#stretch(), EV_BATCH_DONE, r, t.gen[r]);
  }

  #batchDone(r: number, now: number): void {
    const t = this.table, cap = t.cap, base = r * cap;
    const size = t.batchLen[r];
    let head = t.lineHead[r];
    for (let i = 0; i < size; i++) {
      const slot = t.line[base + head];
      head = head + 1 === cap ? 0 : head + 1;
      this.rec.answered(now - this.#arrival[slot] + this.#overhead);
      this.#freeSlots.push(slot);
    }
    t.lineHead[r] = head;
    t.lineLen[r] -= size;
    this.atReplicas -= size;
    t.batchLen[r] = 0;
    this.#running--;
    t.busyCum[r] += now - t.batchStart[r];
    t.servedCum[r] += size;
    if (t.lineLen[r] > 0) this.#maybeStart(r, now);
    else this.#idle(r, now);
    if (t.state[r] === READY) {
      t.refile(r);
      this.#pump(now);
    }
  }

  /** The shared host's slowdown of a batch starting now (1 without a shared host). */
  #stretch(): number {
    const host = this.#host;
    if (!host) return 1;
    const demand = this.#threads * this.#running + host.startupCores * this.starting +
      (host.backgroundCores ?? 0);
    return Math.max(1, demand / host.cores);
  }

  #idle(r: number, now: number): void {
    const t = this.table;
    if (t.state[r] === DRAINING && t.lineLen[r] === 0) {
      this.#integrate(now);
      this.draining--;
      t.release(r);
    }
  }
}
