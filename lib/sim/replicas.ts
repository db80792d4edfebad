/**
 * The simulated replicas as a table of typed arrays indexed by slot (a slot is reused after its
 * pod is gone; `gen` tells incarnations apart so stale events are ignored), plus the
 * least-outstanding choice among ready replicas with room, kept incrementally in one bucket per
 * outstanding count: O(cap) per request instead of the pure function's O(replicas).
 *
 * @module
 */

/** Slot not in use. */
export const FREE = 0;
/** Pod created, not ready yet (startup delay). */
export const STARTING = 1;
/** Serving. */
export const READY = 2;
/** Removed: gets no new work, leaves when idle. */
export const DRAINING = 3;

/** Replica state by slot. */
export class ReplicaTable {
  /** Slots allocated in the arrays. */
  capacity: number;
  /** Slots ever handed out (iterate `0..used-1`). */
  used = 0;
  /** FREE | STARTING | READY | DRAINING. */
  state: Int32Array;
  /** Incarnation of the slot, bumped on every allocation. */
  gen: Int32Array;
  /** When the pod was created, seconds. */
  created: Float64Array;
  /** When it became ready, seconds (NaN before). */
  readyAt: Float64Array;
  /** When the running batch started, seconds. */
  batchStart: Float64Array;
  /** Seconds spent computing batches, finished batches only. */
  busyCum: Float64Array;
  /** Requests answered (finished batches). */
  servedCum: Float64Array;
  /** Pending batch-delay timer, seconds (−1: none). */
  timerAt: Float64Array;
  /** First request of the replica's line (ring of `cap` request slots per replica). */
  lineHead: Int32Array;
  /** Requests at the replica (the running batch first, then the waiting ones). */
  lineLen: Int32Array;
  /** Requests in the running batch (0: idle). */
  batchLen: Int32Array;
  /** The lines: request slots, `cap` per replica. */
  line: Int32Array;

  /** The per-replica in-flight cap. */
  readonly cap: number;
  #members: Int32Array;
  #bucketSize: Int32Array;
  #pos: Int32Array;
  #bucketOf: Int32Array;
  #free: number[] = [];
  #turn = 0;

  /** A table with room for `capacity` replicas of at most `cap` requests each. */
  constructor(cap: number, capacity = 16) {
    this.cap = cap;
    this.capacity = capacity;
    this.state = new Int32Array(capacity);
    this.gen = new Int32Array(capacity);
    this.created = new Float64Array(capacity);
    this.readyAt = new Float64Array(capacity);
    this.batchStart = new Float64Array(capacity);
    this.busyCum = new Float64Array(capacity);
    this.servedCum = new Float64Array(capacity);
    this.timerAt = new Float64Array(capacity);
    this.lineHead = new Int32Array(capacity);
    this.lineLen = new Int32Array(capacity);
    this.batchLen = new Int32Array(capacity);
    this.line = new Int32Array(capacity * cap);
    this.#members = new Int32Array(capacity * cap);
    this.#bucketSize = new Int32Array(cap);
    this.#pos = new Int32Array(capacity).fill(-1);
    this.#bucketOf = new Int32Array(capacity).fill(-1);
  }

  /** A fresh slot in state `state`, created at `now`. */
  allocate(state: number, now: number): number {
    let r = this.#free.pop();
    if (r === undefined) {
      if (this.used === this.capacity) this.#grow();
      r = this.used++;
    }
    this.state[r] = state;
    this.gen[r]++;
    this.created[r] = now;
    this.readyAt[r] = NaN;
    this.batchStart[r] = 0;
    this.busyCum[r] = 0;
    this.servedCum[r] = 0;
    this.timerAt[r] = -1;
    this.lineHead[r] = 0;
    this.lineLen[r] = 0;
    this.batchLen[r] = 0;
    return r;
  }

  /** Frees slot `r` (its pod is gone); pending events for it become stale. */
  release(r: number): void {
    this.remove(r);
    this.state[r] = FREE;
    this.gen[r]++;
    this.timerAt[r] = -1;
    this.#free.push(r);
  }

  /**
   * Starting and ready slots in the order a ReplicaSet deletes pods: not-ready (starting) before
   * ready, then the newest first (created for starting pods, readiness for ready ones).
   */
  victims(): number[] {
    const out: number[] = [];
    for (let r = 0; r < this.used; r++) {
      if (this.state[r] === STARTING || this.state[r] === READY) out.push(r);
    }
    const { state, created, readyAt } = this;
    return out.sort((a, b) =>
      state[a] !== state[b]
        ? state[a] - state[b]
        : state[a] === STARTING
        ? created[b] - created[a] || b - a
        : readyAt[b] - readyAt[a] || b - a
    );
  }

  /** Puts ready replica `r` among the candidates if it has room. */
  add(r: number): void {
    const k = this.lineLen[r];
    if (k >= this.cap) return;
    const i = this.#bucketSize[k]++;
    this.#members[k * this.capacity + i] = r;
    this.#pos[r] = i;
    this.#bucketOf[r] = k;
  }

  /** Takes `r` out of the candidates (no-op when absent). */
  remove(r: number): void {
    const k = this.#bucketOf[r];
    if (k < 0) return;
    const base = k * this.capacity;
    const last = --this.#bucketSize[k];
    const moved = this.#members[base + last];
    const i = this.#pos[r];
    this.#members[base + i] = moved;
    this.#pos[moved] = i;
    this.#pos[r] = -1;
    this.#bucketOf[r] = -1;
  }

  /** Re-files ready replica `r` after its outstanding count changed. */
  refile(r: number): void {
    if (this.#bucketOf[r] === this.lineLen[r]) return;
    this.remove(r);
    this.add(r);
  }

  /** A ready replica with the fewest outstanding requests below the cap, or −1. */
  pick(): number {
    const size = this.#bucketSize;
    for (let k = 0; k < this.cap; k++) {
      const n = size[k];
      if (n > 0) return this.#members[k * this.capacity + (this.#turn++ % n)];
    }
    return -1;
  }

  #grow(): void {
    const old = this.capacity, n = old * 2, cap = this.cap;
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array, fill = 0) => {
      const b = new Int32Array(n).fill(fill);
      b.set(a);
      return b;
    };
    this.state = i32(this.state);
    this.gen = i32(this.gen);
    this.created = f64(this.created);
    this.readyAt = f64(this.readyAt);
    this.batchStart = f64(this.batchStart);
    this.busyCum = f64(this.busyCum);
    this.servedCum = f64(this.servedCum);
    this.timerAt = f64(this.timerAt);
    this.lineHead = i32(this.lineHead);
    this.lineLen = i32(this.lineLen);
    this.batchLen = i32(this.batchLen);
    const line = new Int32Array(n * cap);
    line.set(this.line);
    this.line = line;
    const members = new Int32Array(n * cap);
    for (let k = 0; k < cap; k++) {
      members.set(this.#members.subarray(k * old, k * old + this.#bucketSize[k]), k * n);
    }
    this.#members = members;
    this.#pos = i32(this.#pos, -1);
    this.#bucketOf = i32(this.#bucketOf, -1);
    this.capacity = n;
  }
}
