/**
 * The dispatcher's scheduling core: a request takes a slot on a ready replica chosen by the
 * balancer, or waits in the central bounded queue while every ready replica is at its in-flight
 * cap. A full queue refuses at once (429); a request whose deadline passes while queued leaves
 * with 504 and is never sent. A replica that fails before answering is reported to the pool and
 * the request is retried on another replica, at most `maxRetries` times; an answer, whatever its
 * status, is final.
 *
 * @module
 */
import type { Balancer } from "./balancer.ts";
import type { TimerClock } from "../shared/mod.ts";
import {
  ConnectionError,
  type Relay,
  type RelayRequest,
  type RelayResponse,
  UpstreamTimeoutError,
} from "./relay.ts";
import { HttpError } from "../http/mod.ts";
import { BoundedQueue } from "./request_queue.ts";
import type { ReplicaPool } from "./replica_pool.ts";

/** Observations the dispatcher reports (wired to metrics by the caller). */
export interface DispatchHooks {
  /** A request entered the queue. */
  enqueued?(): void;
  /** A request left the queue after `waitMs` (sent, or expired). */
  dequeued?(waitMs: number): void;
  /** A request was refused or dropped. */
  rejected?(reason: "queue_full" | "deadline" | "no_replica"): void;
  /** A request is being retried on another replica. */
  retried?(replicaUrl: string): void;
}

/** Options of a {@link Dispatcher}. */
export interface DispatchOptions {
  /** The replicas. */
  pool: ReplicaPool;
  /** How to choose among them. */
  balancer: Balancer;
  /** Most requests waiting in the dispatcher. */
  queueCapacity: number;
  /** Retries after a connection failure (`--max-retries`, default 2). */
  maxRetries: number;
  /** Sends a request to a replica. */
  relay: Relay;
  /** Clock (epoch ms) and timers. */
  clock: TimerClock;
  /** Metric hooks. */
  hooks?: DispatchHooks;
}

interface Waiter {
  exclude: ReadonlySet<string>;
  resolve(url: string): void;
  reject(err: HttpError): void;
  cancelTimer(): void;
}

/** The replicas a first attempt excludes: none (shared, never written). */
const NOT_TRIED: Set<string> = new Set();

/** Schedules requests onto replicas. */
export class Dispatcher {
  readonly #o: DispatchOptions;
  readonly #queue: BoundedQueue<Waiter>;
  #inflight = 0;
  #idle: (() => void)[] = [];

  /** Creates the dispatcher; call {@link Dispatcher.pump} when the pool gains capacity. */
  constructor(options: DispatchOptions) {
    this.#o = options;
    this.#queue = new BoundedQueue(options.queueCapacity);
  }

  /** Requests waiting in the queue. */
  get queueLength(): number {
    return this.#queue.length;
  }

  /** Requests accepted and not yet answered (queued or at a replica). */
  get inflight(): number {
    return this.#inflight;
  }

  /** Resolves when no request is queued or in flight. */
  idle(): Promise<void> {
    return this.#inflight === 0 ? Promise.resolve() : new Promise((r) => this.#idle.push(r));
  }

  /** Sends `request` to a replica, queueing and retrying as needed, by `deadline` (epoch ms). */
  async dispatch(request: RelayRequest, deadline: number): Promise<RelayResponse> {
    this.#inflight++;
    try {
      let tried: Set<string> = NOT_TRIED;
      for (let attempt = 0;; attempt++) {
        const url = await this.#acquire(deadline, tried, attempt > 0);
        try {
          const response = await this.#o.relay(url, request, deadline - this.#o.clock.now());
          this.#o.pool.answered(url);
          return response;
        } catch (err) {
          if (err instanceof UpstreamTimeoutError) {
            throw new HttpError(504, "deadline_exceeded", err.message);
          }
          if (!(err instanceof ConnectionError)) {
            throw new HttpError(502, "bad_gateway", String((err as Error).message));
          }
          this.#o.pool.failed(url);
          if (tried === NOT_TRIED) tried = new Set();
          tried.add(url);
          if (attempt >= this.#o.maxRetries) {
            throw new HttpError(
              502,
              "replica_unavailable",
              `${err.message} (after ${attempt + 1} attempts)`,
            );
          }
          this.#o.hooks?.retried?.(url);
        } finally {
          this.#o.pool.release(url);
        }
      }
    } finally {
      this.#inflight--;
      if (this.#inflight === 0) this.#idle.splice(0).forEach((r) => r());
    }
  }

  /** Hands queued requests to replicas that have room, oldest first. */
  pump(): void {
    for (let ticket = this.#queue.peek(); ticket; ticket = this.#queue.peek()) {
      const url = this.#choose(ticket.value.exclude);
      if (!url) return;
      this.#queue.remove(ticket);
      ticket.value.cancelTimer();
      this.#o.hooks?.dequeued?.(this.#o.clock.now() - ticket.enqueuedAt);
      this.#o.pool.acquire(url);
      ticket.value.resolve(url);
    }
  }

  /** Refuses everything still queued (shutdown past its grace). */
  rejectQueued(reason: string): void {
    for (const ticket of this.#queue.drain()) {
      ticket.value.cancelTimer();
      ticket.value.reject(new HttpError(503, "shutting_down", reason, 1));
    }
  }

  #choose(exclude: ReadonlySet<string>): string | undefined {
    const pool = this.#o.pool;
    let candidates = pool.candidates(exclude);
    if (candidates.length === 0 && exclude.size > 0) {
      const others = pool.list().some((e) => e.state === "ready" && !exclude.has(e.url));
      if (!others) candidates = pool.candidates();
    }
    if (candidates.length === 0) return undefined;
    const index = this.#o.balancer.pick(candidates);
    return index >= 0 ? candidates[index].id : undefined;
  }

  #acquire(deadline: number, exclude: ReadonlySet<string>, retry: boolean): Promise<string> {
    const now = this.#o.clock.now();
    if (deadline <= now) {
      this.#o.hooks?.rejected?.("deadline");
      return Promise.reject(
        new HttpError(504, "deadline_exceeded", "deadline passed before dispatch"),
      );
    }
    if (this.#queue.length === 0) {
      const url = this.#choose(exclude);
      if (url) {
        this.#o.pool.acquire(url);
        return Promise.resolve(url);
      }
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { exclude, resolve, reject, cancelTimer: () => {} };
      const ticket = this.#queue.push(waiter, now, retry);
      if (!ticket) {
        this.#o.hooks?.rejected?.("queue_full");
        reject(
          new HttpError(
            429,
            "queue_full",
            `dispatcher queue is full: ${this.#queue.capacity} waiting`,
            1,
          ),
        );
        return;
      }
      waiter.cancelTimer = this.#o.clock.schedule(() => {
        if (!this.#queue.remove(ticket)) return;
        this.#o.hooks?.dequeued?.(this.#o.clock.now() - ticket.enqueuedAt);
        this.#o.hooks?.rejected?.("deadline");
        reject(
          new HttpError(504, "deadline_exceeded", "deadline passed while queued in the dispatcher"),
        );
      }, deadline - now);
      this.#o.hooks?.enqueued?.();
    });
  }
}
