/**
 * Load for the e2e scenarios: `loadtest.ts` run as a real process (`--json --out DIR`), its
 * summary and per-request rows read back, and a closed-loop capacity probe with the same bodies.
 *
 * @module
 */
import { buildPayload, parseSize, type Summary, syntheticImage } from "../lib/loadtest/mod.ts";
import { createRng } from "../lib/shared/mod.ts";
import { quantile } from "./measure.ts";
import type { Proc, Stack } from "./stack.ts";

/** A constant-rate load. */
export interface LoadSpec {
  /** Target URL, e.g. `http://127.0.0.1:PORT/predict`. */
  endpoint: string;
  /** Requests per second (fractions are rounded per second by the workload). */
  rate: number;
  /** Seconds. */
  seconds: number;
  /** Directory for requests.csv / summary.json. */
  dir: string;
  /** Synthetic JPEG size (default 224x224). */
  synthetic?: string;
  /** Requests outstanding beyond which new ones are dropped (default 2000). */
  maxInflight?: number;
  /** Requests on the wire at once (default: no limit). */
  connections?: number;
  /** Per-request timeout, ms (default 30 000). */
  timeoutMs?: number;
  /** Seed (default 42). */
  seed?: number;
  /** Unrecorded warm-up requests (default 8). */
  warmup?: number;
  /** Progress lines every second instead of none (needed for {@link RunningLoad.started}). */
  progress?: boolean;
}

/** One line of requests.csv. */
export interface RequestRow {
  /** Scheduled time, ms from the start. */
  scheduled: number;
  /** Sent, ms (NaN when dropped). */
  sent: number;
  /** Done, ms (NaN when dropped). */
  done: number;
  /** HTTP status (0: no response). */
  status: number;
  /** Corrected latency (done − scheduled), ms. */
  latency: number;
  /** Uncorrected latency (done − sent), ms. */
  uncorrected: number;
  /** Transport error or `dropped`. */
  error: string;
}

/** What a load run produced. */
export interface LoadResult {
  /** summary.json. */
  summary: Summary;
  /** requests.csv. */
  rows: RequestRow[];
}

/** A running load process. */
export interface RunningLoad {
  /** The process. */
  proc: Proc;
  /** Resolves when it has finished and its output is read. */
  done: Promise<LoadResult>;
  /**
   * With `progress`: resolves with the time of the schedule's start in this process's
   * `performance.now()` clock (from the first progress line, which says how long after the
   * start it was written), so rows' `scheduled` times can be placed on this timeline.
   */
  started: Promise<number>;
}

function parseRows(csv: string): RequestRow[] {
  const rows: RequestRow[] = [];
  for (const line of csv.split("\n").slice(1)) {
    if (!line) continue;
    const f = line.split(",");
    rows.push({
      scheduled: Number(f[1]),
      sent: f[2] === "" ? NaN : Number(f[2]),
      done: f[3] === "" ? NaN : Number(f[3]),
      status: Number(f[4]),
      latency: f[5] === "" ? NaN : Number(f[5]),
      uncorrected: f[6] === "" ? NaN : Number(f[6]),
      error: f.slice(8).join(","),
    });
  }
  return rows;
}

/** Starts `loadtest.ts` for `spec`; `done` resolves with its summary and rows. */
export async function startLoad(stack: Stack, name: string, spec: LoadSpec): Promise<RunningLoad> {
  await Deno.mkdir(spec.dir, { recursive: true });
  const seconds = Math.max(1, Math.round(spec.seconds));
  const args = [
    `--endpoint=${spec.endpoint}`,
    `--shape=constant:rate=${spec.rate}`,
    `--duration=${seconds}`,
    `--synthetic=${spec.synthetic ?? "224x224"}`,
    `--max-inflight=${spec.maxInflight ?? 2000}`,
    `--timeout-ms=${spec.timeoutMs ?? 30_000}`,
    `--seed=${spec.seed ?? 42}`,
    `--warmup=${spec.warmup ?? 8}`,
    `--out=${spec.dir}`,
    "--json",
    ...(spec.progress ? ["--progress-interval=1"] : ["--quiet"]),
  ];
  if (spec.connections) args.push(`--connections=${spec.connections}`);
  const proc = await stack.script(name, "loadtest.ts", args, { readyEvent: "" });
  const done = proc.exited.then(async (status) => {
    if (status.code !== 0) {
      throw new Error(`loadtest ${name} exited ${status.code}: ${JSON.stringify(proc.logs)}`);
    }
    const summary = JSON.parse(await Deno.readTextFile(`${spec.dir}/summary.json`)) as Summary;
    const rows = parseRows(await Deno.readTextFile(`${spec.dir}/requests.csv`));
    return { summary, rows };
  });
  done.catch(() => {}); // a caller that never awaits it (a failed scenario) is not a crash
  // a progress line starts with the seconds elapsed since the schedule's start: "[1.0s/60s] ..."
  const progressLine = (e: Record<string, unknown>) =>
    typeof e.raw === "string" && /^\[\d+\.\ds\//.test(e.raw);
  const started = proc.waitLog(progressLine, 120_000)
    .then((e) => (e._t as number) - 1000 * parseFloat((e.raw as string).slice(1)));
  started.catch(() => {});
  return { proc, done, started };
}

/** Runs a load to the end. */
export async function runLoad(stack: Stack, name: string, spec: LoadSpec): Promise<LoadResult> {
  return await (await startLoad(stack, name, spec)).done;
}

/** Latency figures of a set of rows, ms. */
export interface LatencyFigures {
  /** Rows counted. */
  count: number;
  /** Median. */
  p50: number;
  /** 95th percentile. */
  p95: number;
  /** 99th percentile. */
  p99: number;
  /** Largest. */
  max: number;
}

/** Percentiles of `pick(row)` over `rows` (NaN values skipped). */
export function latencyOf(
  rows: RequestRow[],
  pick: (r: RequestRow) => number = (r) => r.latency,
): LatencyFigures {
  const values = rows.map(pick).filter((x) => Number.isFinite(x));
  return {
    count: values.length,
    p50: quantile(values, 0.5),
    p95: quantile(values, 0.95),
    p99: quantile(values, 0.99),
    max: values.length ? Math.max(...values) : NaN,
  };
}

/** Counts of rows by status (`dropped` and transport errors under their error name). */
export function statusCounts(rows: RequestRow[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) {
    const key = r.error === "dropped" ? "dropped" : r.status === 0 ? r.error || "0" : r.status;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

/** What the capacity probe measured. */
export interface Capacity {
  /** Completed 200s per second. */
  rps: number;
  /** Latency of the probe's answers, ms. */
  p50: number;
  /** 95th percentile, ms. */
  p95: number;
}

/**
 * Closed-loop capacity: `concurrency` clients in this process, each sending its next request as
 * soon as the previous one is answered, for `seconds` (the first second is a warm-up, not
 * counted). The bodies are the load tester's: seeded synthetic JPEGs as multipart.
 */
export async function probeCapacity(
  endpoint: string,
  options: { seconds: number; concurrency: number; synthetic?: string; seed?: number },
): Promise<Capacity> {
  const { width, height } = parseSize(options.synthetic ?? "224x224");
  const rng = createRng(((options.seed ?? 42) + 1) >>> 0);
  const payloads = Array.from(
    { length: 4 },
    (_, i) => buildPayload(syntheticImage(width, height, rng, `synthetic_${i}.jpg`), "multipart"),
  );
  const client = Deno.createHttpClient({ poolMaxIdlePerHost: options.concurrency });
  const warmUntil = performance.now() + 1000;
  const until = warmUntil + options.seconds * 1000;
  const latencies: number[] = [];
  let ok = 0;
  await Promise.all(Array.from({ length: options.concurrency }, async (_, k) => {
    for (let i = k; performance.now() < until; i += options.concurrency) {
      const payload = payloads[i % payloads.length];
      const t0 = performance.now();
      const res = await fetch(endpoint, {
        method: "POST",
        body: payload.body,
        headers: { "content-type": payload.contentType },
        client,
        signal: AbortSignal.timeout(30_000),
      }).catch(() => undefined);
      await res?.body?.cancel();
      const t1 = performance.now();
      if (res?.status === 200 && t0 >= warmUntil && t1 <= until) {
        ok++;
        latencies.push(t1 - t0);
      }
    }
  }));
  client.close();
  return {
    rps: ok / options.seconds,
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
  };
}
