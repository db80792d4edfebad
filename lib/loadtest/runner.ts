/**
 * The open-loop runner: sends each request at its scheduled time, whatever is outstanding. Past
 * `maxInflight` outstanding requests a due one is dropped (never queued); past `connections` on
 * the wire it waits in a client-side FIFO, and the wait counts in the corrected latency (the two
 * limits: README.md). Times in records are milliseconds from the run's start; the clock is
 * injected.
 *
 * @module
 */
import type { Clock } from "./clock.ts";

/** What one request came back with. `error` names a transport failure (`timeout`, ...). */
export interface SendResult {
  /** HTTP status, 0 when there was no response. */
  status: number;
  /** The `x-replica` response header, when present. */
  replica?: string;
  /** Transport error kind; absent when a response arrived. */
  error?: string;
}

/** Sends request `index`; must resolve (never reject) and stop early when `signal` aborts. */
export type Send = (index: number, signal: AbortSignal) => Promise<SendResult>;

/** One request's outcome. Dropped requests have `error: "dropped"` and no `sent`/`done`. */
export interface RequestRecord extends SendResult {
  /** Position in the schedule. */
  index: number;
  /** Scheduled send time (ms from start). */
  scheduled: number;
  /** When the runner handled it (ms from start); `dispatched − scheduled` is the schedule lag. */
  dispatched: number;
  /** When it went on the wire (ms from start). */
  sent?: number;
  /** When the response (or error) arrived (ms from start). */
  done?: number;
}

/** Options of {@link runOpenLoop}. */
export interface RunnerOptions {
  /** Time source and waiter. */
  clock: Clock;
  /** Most requests outstanding at once; more are dropped (integer ≥ 1). */
  maxInflight: number;
  /** Most requests on the wire at once; more wait for a connection (default: no limit). */
  connections?: number;
  /** Stops scheduling, aborts requests on the wire and discards those waiting. */
  signal?: AbortSignal;
  /** Called when a request's time has come, before it is sent or dropped. */
  onDispatch?(index: number, scheduledMs: number, dispatchedMs: number): void;
  /** Called once per dispatched request with its outcome. */
  onRecord(record: RequestRecord): void;
}

/** What a run did. */
export interface RunResult {
  /** Requests whose time came (dispatched). */
  offered: number;
  /** The clock's reading at time 0 of the schedule. */
  startMs: number;
  /** Whether the signal stopped the run early. */
  aborted: boolean;
}

function checkLimit(name: string, value: number): void {
  if (value !== Infinity && (!Number.isInteger(value) || value < 1)) {
    throw new RangeError(`${name} must be a whole number ≥ 1: got ${value}`);
  }
}

/**
 * Runs a schedule (seconds from the start, sorted) open-loop and resolves once every dispatched
 * request has a record.
 */
export async function runOpenLoop(
  scheduleSeconds: Float64Array,
  send: Send,
  options: RunnerOptions,
): Promise<RunResult> {
  const { clock, maxInflight, onRecord, onDispatch, signal } = options;
  const connections = options.connections ?? Infinity;
  checkLimit("max-inflight", maxInflight);
  checkLimit("connections", connections);
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  signal?.addEventListener("abort", onAbort, { once: true });

  const t0 = clock.now();
  const elapsed = () => clock.now() - t0;
  const waiting: RequestRecord[] = [];
  let head = 0, outstanding = 0, active = 0;
  let drained: (() => void) | undefined;

  const finish = (record: RequestRecord) => {
    outstanding--;
    onRecord(record);
    if (outstanding === 0) drained?.();
  };
  const start = (record: RequestRecord) => {
    active++;
    record.sent = elapsed();
    send(record.index, abort.signal)
      .catch((e: unknown): SendResult => ({ status: 0, error: `internal: ${e}` }))
      .then((result) => {
        active--;
        finish({ ...record, ...result, done: elapsed() });
        pump();
      });
  };
  const pump = () => {
    while (head < waiting.length && (abort.signal.aborted || active < connections)) {
      const next = waiting[head++];
      if (abort.signal.aborted) finish({ ...next, status: 0, error: "aborted" });
      else start(next);
    }
    if (head > 1024 && head * 2 > waiting.length) {
      waiting.splice(0, head);
      head = 0;
    }
  };

  let i = 0;
  const n = scheduleSeconds.length;
  while (i < n && !abort.signal.aborted) {
    await clock.waitUntil(t0 + scheduleSeconds[i] * 1000, abort.signal);
    const now = elapsed();
    while (i < n && scheduleSeconds[i] * 1000 <= now && !abort.signal.aborted) {
      const scheduled = scheduleSeconds[i] * 1000;
      const dispatched = elapsed();
      onDispatch?.(i, scheduled, dispatched);
      const record: RequestRecord = { index: i, scheduled, dispatched, status: 0 };
      i++;
      if (outstanding >= maxInflight) {
        onRecord({ ...record, error: "dropped" });
        continue;
      }
      outstanding++;
      if (active < connections) start(record);
      else waiting.push(record);
    }
  }
  if (abort.signal.aborted) pump(); // discards the waiting requests as aborted
  if (outstanding > 0) await new Promise<void>((resolve) => (drained = resolve));
  signal?.removeEventListener("abort", onAbort);
  return { offered: i, startMs: t0, aborted: abort.signal.aborted };
}
