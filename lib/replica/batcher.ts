/**
 * Dynamic batching: requests wait at most `maxDelayMs` for a batch of up to `maxBatch`, one batch
 * runs at a time, and the waiting line is bounded. A batch goes when it is full or its oldest
 * request has waited `maxDelayMs` (after the running batch, if any, finishes); a request that
 * finds the model idle after a quiet gap goes at once (the rules: lib/replica/README.md).
 * Requests whose deadline has passed are dropped at dispatch, before any compute, with
 * {@link DeadlineExceededError}; a full line rejects at once with {@link QueueFullError}.
 *
 * @module
 */
import { systemClock, type TimerClock } from "../shared/mod.ts";

/** The waiting line is full; the caller should answer 503 with `Retry-After`. */
export class QueueFullError extends Error {
  /** Creates the error for a line of `capacity` requests. */
  constructor(readonly capacity: number) {
    super(`batch queue is full: ${capacity} requests waiting`);
    this.name = "QueueFullError";
  }
}

/** The request's deadline passed before its batch ran; the caller should answer 504. */
export class DeadlineExceededError extends Error {
  /** Creates the error for a deadline (epoch ms) missed by `lateMs`. */
  constructor(readonly deadline: number, readonly lateMs: number) {
    super(`deadline ${deadline} passed ${Math.round(lateMs)} ms before compute`);
    this.name = "DeadlineExceededError";
  }
}

/** Options of a {@link Batcher}. */
export interface BatcherOptions<T, R> {
  /** Largest batch, 1–256. */
  maxBatch: number;
  /** Longest a request waits for its batch to fill, in ms (0 = dispatch at once). */
  maxDelayMs: number;
  /** Most requests waiting (not counting the running batch). */
  maxQueue: number;
  /** Runs one batch; returns one result per item, in order. */
  process(items: T[]): Promise<R[]>;
  /** Clock; defaults to {@link systemClock}. */
  clock?: TimerClock;
}

/** One request's result with how it was served. */
export interface Batched<R> {
  /** What `process` returned for this item. */
  value: R;
  /** Milliseconds between `submit` and the batch's dispatch. */
  queueMs: number;
  /** Milliseconds the batch took in `process`. */
  runMs: number;
  /** Size of the batch the item ran in. */
  batchSize: number;
}

interface Entry<T, R> {
  item: T;
  enqueuedAt: number;
  deadline?: number;
  resolve(value: Batched<R>): void;
  reject(err: Error): void;
}

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`${name} must be between ${min} and ${max}: got ${value}`);
  }
}

/** A dynamic batching queue in front of a batch function. */
export class Batcher<T, R> {
  #waiting: Entry<T, R>[] = [];
  #running = 0;
  #cancelTimer: (() => void) | undefined;
  #idle: (() => void)[] = [];
  #lastArrival = -Infinity;
  readonly #options: BatcherOptions<T, R>;
  readonly #clock: TimerClock;

  /** Validates the options; throws a RangeError naming the bad value. */
  constructor(options: BatcherOptions<T, R>) {
    checkRange("max_batch", options.maxBatch, 1, 256);
    checkRange("batch_delay_ms", options.maxDelayMs, 0, 10_000);
    checkRange("queue", options.maxQueue, 0, 1_000_000);
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** Requests waiting for a batch. */
  get queued(): number {
    return this.#waiting.length;
  }

  /** Requests in the batch being computed. */
  get inFlight(): number {
    return this.#running;
  }

  /** True when no more requests fit in the line. */
  get full(): boolean {
    return this.#waiting.length >= this.#options.maxQueue;
  }

  /**
   * Queues `item` for the next batch. Rejects with {@link QueueFullError} at once when the line
   * is full, and with {@link DeadlineExceededError} if `deadline` (epoch ms) passes first.
   */
  submit(item: T, options: { deadline?: number } = {}): Promise<Batched<R>> {
    if (this.full) return Promise.reject(new QueueFullError(this.#options.maxQueue));
    return new Promise((resolve, reject) => {
      const now = this.#clock.now();
      const sparse = now - this.#lastArrival > this.#options.maxDelayMs;
      this.#lastArrival = now;
      this.#waiting.push({ item, enqueuedAt: now, deadline: options.deadline, resolve, reject });
      if (sparse && this.#waiting.length === 1 && this.#running === 0) this.#dispatch();
      else this.#pump();
    });
  }

  /** Resolves when nothing waits and nothing runs (for draining on shutdown). */
  idle(): Promise<void> {
    if (this.#waiting.length === 0 && this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #pump(): void {
    if (this.#running > 0 || this.#waiting.length === 0) return;
    const waitedMs = this.#clock.now() - this.#waiting[0].enqueuedAt;
    const remainingMs = this.#options.maxDelayMs - waitedMs;
    if (this.#waiting.length >= this.#options.maxBatch || remainingMs <= 0) {
      this.#cancelTimer?.();
      this.#cancelTimer = undefined;
      this.#dispatch();
    } else if (!this.#cancelTimer) {
      this.#cancelTimer = this.#clock.schedule(() => {
        this.#cancelTimer = undefined;
        this.#pump();
      }, remainingMs);
    }
  }

  #dispatch(): void {
    const now = this.#clock.now();
    const batch: Entry<T, R>[] = [];
    while (batch.length < this.#options.maxBatch && this.#waiting.length > 0) {
      const entry = this.#waiting.shift()!;
      if (entry.deadline !== undefined && entry.deadline <= now) {
        entry.reject(new DeadlineExceededError(entry.deadline, now - entry.deadline));
      } else {
        batch.push(entry);
      }
    }
    if (batch.length === 0) return this.#settle();
    this.#running = batch.length;
    const started = now;
    this.#options.process(batch.map((e) => e.item)).then(
      (values) => {
        const runMs = this.#clock.now() - started;
        if (values.length !== batch.length) {
          const err = new Error(`batch returned ${values.length} results for ${batch.length}`);
          return batch.forEach((e) => e.reject(err));
        }
        batch.forEach((e, i) =>
          e.resolve({
            value: values[i],
            queueMs: started - e.enqueuedAt,
            runMs,
            batchSize: batch.length,
          })
        );
      },
      (err) => batch.forEach((e) => e.reject(err instanceof Error ? err : new Error(String(err)))),
    ).finally(() => {
      this.#running = 0;
      this.#settle();
    });
  }

  #settle(): void {
    if (this.#waiting.length === 0 && this.#running === 0) {
      this.#idle.splice(0).forEach((resolve) => resolve());
    }
    this.#pump();
  }
}
