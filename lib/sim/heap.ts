/**
 * The simulator's event queue: a binary min-heap of events ordered by (time, sequence), so
 * events at one time come out in the order pushed, stored as parallel typed arrays (no object per
 * event). An event is an integer `kind` with two integer arguments (`a`, `b`);
 * {@link EventHeap.pop} copies the earliest into the public fields `time`, `kind`, `a`, `b`.
 *
 * @module
 */

/** A binary min-heap of `(time, seq, kind, a, b)` records. */
export class EventHeap {
  /** Time of the event last popped, seconds. */
  time = 0;
  /** Kind of the event last popped. */
  kind = 0;
  /** First argument of the event last popped. */
  a = 0;
  /** Second argument of the event last popped. */
  b = 0;

  #t: Float64Array;
  #s: Float64Array;
  #k: Int32Array;
  #a: Int32Array;
  #b: Int32Array;
  #size = 0;
  #seq = 0;

  /** Creates an empty heap with room for `capacity` events (it grows as needed). */
  constructor(capacity = 1024) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`heap capacity must be an integer ≥ 1: got ${capacity}`);
    }
    this.#t = new Float64Array(capacity);
    this.#s = new Float64Array(capacity);
    this.#k = new Int32Array(capacity);
    this.#a = new Int32Array(capacity);
    this.#b = new Int32Array(capacity);
  }

  /** Events waiting. */
  get size(): number {
    return this.#size;
  }

  /** Time of the earliest event, or `Infinity` when empty. */
  peekTime(): number {
    return this.#size === 0 ? Infinity : this.#t[0];
  }

  /** Adds an event; `time` must be a number (not NaN). */
  push(time: number, kind: number, a = 0, b = 0): void {
    if (time !== time) throw new RangeError(`event time must be a number: got ${time}`);
    if (this.#size === this.#t.length) this.#grow();
    const seq = this.#seq++;
    const t = this.#t, s = this.#s;
    let i = this.#size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (t[p] < time || (t[p] === time && s[p] < seq)) break;
      this.#move(p, i);
      i = p;
    }
    t[i] = time;
    s[i] = seq;
    this.#k[i] = kind;
    this.#a[i] = a;
    this.#b[i] = b;
  }

  /** Removes the earliest event into `time`, `kind`, `a`, `b`; false when empty. */
  pop(): boolean {
    const n = this.#size;
    if (n === 0) return false;
    const t = this.#t, s = this.#s;
    this.time = t[0];
    this.kind = this.#k[0];
    this.a = this.#a[0];
    this.b = this.#b[0];
    const last = n - 1;
    this.#size = last;
    if (last === 0) return true;
    const lt = t[last], ls = s[last];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= last) break;
      const r = c + 1;
      if (r < last && (t[r] < t[c] || (t[r] === t[c] && s[r] < s[c]))) c = r;
      if (lt < t[c] || (lt === t[c] && ls < s[c])) break;
      this.#move(c, i);
      i = c;
    }
    this.#move(last, i);
    return true;
  }

  #move(from: number, to: number): void {
    this.#t[to] = this.#t[from];
    this.#s[to] = this.#s[from];
    this.#k[to] = this.#k[from];
    this.#a[to] = this.#a[from];
    this.#b[to] = this.#b[from];
  }

  #grow(): void {
    const n = this.#t.length * 2;
    const grow = <T extends Float64Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const next = make(n);
      next.set(old);
      return next;
    };
    this.#t = grow(this.#t, (m) => new Float64Array(m));
    this.#s = grow(this.#s, (m) => new Float64Array(m));
    this.#k = grow(this.#k, (m) => new Int32Array(m));
    this.#a = grow(this.#a, (m) => new Int32Array(m));
    this.#b = grow(this.#b, (m) => new Int32Array(m));
  }
}
