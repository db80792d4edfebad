/**
 * Scenario 6, soak (full run only): the whole stack — dispatcher, autoscaler (built-in scraper,
 * local actuator keeping two native replicas), replicas — at 60% of capacity for ten minutes.
 *
 * Checks: no failed request, no process restart, and resident memory of every process grows by
 * less than 10% once warm: after a two-minute warm-up (JIT, onnxruntime arenas, connection pools,
 * the scraper's two-window retention filled), the mean of the samples (every 5 s) over the second
 * half of the rest of the run against the mean over its first half (four minutes each in the
 * full run). Means over long windows, because a garbage-collected process's RSS is a saw-tooth
 * (the dispatcher's swings by 20% with a period of about two minutes) and a single sample, or a
 * one-minute window, may sit on a tooth or in a trough. The high-water mark of each half, memory
 * at the start, and the V8 heap in use (the lowest sample of each half: live data after a
 * collection) of the dispatcher and the autoscaler are reported too.
 *
 * @module
 */
import { latencyOf, probeCapacity, startLoad, statusCounts } from "./load.ts";
import { metricSum, mib, round, rssBytes, scrape } from "./measure.ts";
import { Report, type ScenarioOptions, type ScenarioResult } from "./scenario.ts";
import { replicaChildren, waitReady } from "./setup.ts";
import { Stack } from "./stack.ts";

/** Parameters (reduced / full). */
export interface SoakParams {
  /** Load length, s. */
  loadS: number;
  /** Warm-up, s into the load; the rest is split into the "before" and "after" halves. */
  warmS: number;
  /** Share of capacity offered. */
  loadFraction: number;
}

/** Reduced (a smoke run, used only when named with --only) and full parameters. */
export const SOAK_PARAMS: Record<"reduced" | "full", SoakParams> = {
  reduced: { loadS: 40, warmS: 10, loadFraction: 0.6 },
  full: { loadS: 600, warmS: 120, loadFraction: 0.6 },
};

const REPLICAS = 2;
const GROWTH_LIMIT = 0.1;

/** Runs the scenario. */
export async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const p = SOAK_PARAMS[options.full ? "full" : "reduced"];
  const report = new Report("soak", `${p.loadS} s at 60% of capacity`, options);
  const stack = new Stack();
  try {
    const d = await stack.script("dispatcher", "dispatcher.ts", [
      "--host=127.0.0.1",
      "--port=0",
      "--health-interval-s=0.5",
    ]);
    const a = await stack.script("autoscaler", "autoscaler.ts", [
      "run",
      "--host=127.0.0.1",
      "--port=0",
      "--policy=queue",
      "--interval=5",
      "--scrape-interval=2",
      `--min=${REPLICAS}`,
      `--max=${REPLICAS}`,
      `--replicas=${REPLICAS}`,
      `--dispatcher=${d.url}`,
      "--actuator=local",
      "--replica-args=--backend native --threads 1",
      `--decision-log=${options.dir}/decisions.jsonl`,
    ]);
    await waitReady(d.url, REPLICAS, 120_000);
    const endpoint = `${d.url}/predict`;
    const cap = await probeCapacity(endpoint, { seconds: 8, concurrency: 16 });
    const rate = round(Math.max(2, cap.rps * p.loadFraction), 1);
    options.log(`capacity ${round(cap.rps)} req/s; offering ${rate} req/s for ${p.loadS} s`);
    const procs = () => {
      const out: Record<string, number> = { dispatcher: d.pid, autoscaler: a.pid };
      replicaChildren(a.pid).sort((x, y) => x - y).forEach((pid, i) =>
        out[`replica-${i + 1}`] = pid
      );
      return out;
    };
    const initial = procs();
    const rssMib = () =>
      Object.fromEntries(Object.entries(initial).map(([n, pid]) => [n, mib(rssBytes(pid))]));
    const heapMib = async () => ({
      dispatcher: mib(metricSum(await scrape(d.url), "nodejs_heap_size_used_bytes")),
      autoscaler: mib(metricSum(await scrape(a.url), "nodejs_heap_size_used_bytes")),
    });
    const atStart = rssMib();
    const load = await startLoad(stack, "soak", {
      endpoint,
      rate,
      seconds: p.loadS,
      dir: options.dir,
    });
    const t0 = performance.now();
    const series: { t: number; rss: Record<string, number>; heap: Record<string, number> }[] = [];
    const sample = async () => {
      const t = (performance.now() - t0) / 1000;
      series.push({ t: round(t), rss: rssMib(), heap: await heapMib().catch(() => ({})) });
    };
    const timer = setInterval(sample, 5000);
    const { summary, rows } = await load.done;
    clearInterval(timer);
    await Deno.writeTextFile(`${options.dir}/memory_series.json`, JSON.stringify(series, null, 1));
    const metrics = await scrape(d.url);
    const now = procs();
    const restarted = Object.keys(initial).filter((n) =>
      now[n] !== initial[n] || !rssBytes(now[n])
    );
    const failed = rows.filter((r) => r.status !== 200);
    const lat = latencyOf(rows.filter((r) => r.status === 200));
    const window = (from: number, to: number) => series.filter((x) => x.t >= from && x.t < to);
    const half = p.warmS + (p.loadS - p.warmS) / 2;
    const before = window(p.warmS, half);
    const after = window(half, p.loadS + 1);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const per = (xs: typeof series, f: (v: number[]) => number, key: "rss" | "heap") =>
      Object.fromEntries(
        Object.keys(xs[0]?.[key] ?? {}).map((n) => [n, round(f(xs.map((x) => x[key][n])))]),
      );
    const rssBefore = per(before, mean, "rss");
    const rssAfter = per(after, mean, "rss");
    const growth: Record<string, number> = {};
    for (const n of Object.keys(rssBefore)) {
      growth[n] = round((rssAfter[n] - rssBefore[n]) / rssBefore[n], 3);
    }
    const worst = Math.max(...Object.values(growth));
    report.set({
      capacity_rps: round(cap.rps),
      offered_rps: rate,
      requests_sent: summary.requests.sent,
      ok: summary.requests.ok,
      failures: failed.length,
      codes: JSON.stringify(statusCounts(rows)),
      retries: metricSum(metrics, "dispatcher_retries_total"),
      shed: metricSum(metrics, "dispatcher_rejected_total"),
      p50_ms: round(lat.p50),
      p95_ms: round(lat.p95),
      p99_ms: round(lat.p99),
      rss_mib_start: JSON.stringify(atStart),
      rss_mib_before: JSON.stringify(rssBefore),
      rss_mib_after: JSON.stringify(rssAfter),
      rss_growth: JSON.stringify(growth),
      rss_mib_high_before: JSON.stringify(per(before, (v) => Math.max(...v), "rss")),
      rss_mib_high_after: JSON.stringify(per(after, (v) => Math.max(...v), "rss")),
      heap_mib_low_before: JSON.stringify(per(before, (v) => Math.min(...v), "heap")),
      heap_mib_low_after: JSON.stringify(per(after, (v) => Math.min(...v), "heap")),
      restarts: restarted.length,
    });
    report.check("no failed request", failed.length === 0, `${failed.length} of ${rows.length}`);
    report.check("no process restarts", restarted.length === 0, restarted.join(", ") || "none");
    report.check(
      `RSS growth under ${GROWTH_LIMIT * 100}% (mean of [${
        round(half)
      }, ${p.loadS}] s vs [${p.warmS}, ${round(half)}) s)`,
      worst < GROWTH_LIMIT,
      `worst ${round(worst * 100)}%: ${JSON.stringify(growth)}`,
    );
  } finally {
    await stack.close();
  }
  return report.result();
}
