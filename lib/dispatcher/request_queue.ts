/**
 * A bounded FIFO whose entries can leave early (deadline passed, caller gone) without a scan:
 * a removed entry is marked and skipped when it reaches the front.
 *
 * @module
 */

/** A place in the queue, returned by {@link BoundedQueue.push}. */
export interface Ticket<T> {
  /** The queued value. */
  readonly value: T;
  /** When the value entered the queue (caller's clock, ms). */
  readonly enqueuedAt: number;
  /** Whether the entry is still waiting. */
  readonly waiting: boolean;
}

interface Entry<T> extends Ticket<T> {
  waiting: boolean;
}

/** A FIFO of at most `capacity` waiting values. */
export class BoundedQueue<T> {
  #entries: Entry<T>[] = [];
  #head = 0;
  #live = 0;

  /** Creates a queue holding at most `capacity` waiting values. */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(`queue capacity must be a non-negative integer: got ${capacity}`);
    }
  }

  /** Values waiting. */
  get length(): number {
    return this.#live;
  }

  /** True when a push would be refused. */
  get full(): boolean {
    return this.#live >= this.capacity;
  }

  /**
   * Appends `value`; returns its ticket, or undefined when the queue is full. `force` admits it
   * past the capacity (a retry of a request already accepted must not be refused).
   */
  push(value: T, now: number, force = false): Ticket<T> | undefined {
    if (this.full && !force) return undefined;
    const entry: Entry<T> = { value, enqueuedAt: now, waiting: true };
    this.#entries.push(entry);
    this.#live++;
    return entry;
  }

  /** Takes `ticket` out of the queue; false if it had already left. */
  remove(ticket: Ticket<T>): boolean {
    const entry = ticket as Entry<T>;
    if (!entry.waiting) return false;
    entry.waiting = false;
    this.#live--;
    return true;
  }

  /** The oldest waiting ticket, without removing it. */
  peek(): Ticket<T> | undefined {
    this.#skipGone();
    return this.#entries[this.#head];
  }

  /** Removes and returns the oldest waiting ticket. */
  shift(): Ticket<T> | undefined {
    const ticket = this.peek();
    if (ticket) this.remove(ticket);
    return ticket;
  }

  /** Removes every waiting ticket (oldest first) and returns them. */
  drain(): Ticket<T>[] {
    const out: Ticket<T>[] = [];
    for (let t = this.shift(); t; t = this.shift()) out.push(t);
    return out;
  }

  #skipGone(): void {
    while (this.#head < this.#entries.length && !this.#entries[this.#head].waiting) this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }
}
