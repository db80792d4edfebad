/**
 * Scenario 6, soak (full run only): the whole stack — dispatcher, autoscaler (built-in scraper,
 * local actuator keeping two native replicas), replicas — at 60% of capacity for ten minutes.
 *
 * Checks: no failed request, no process restart, and resident memory of every process grows by
 * less than 10% from the end of the first minute (warm: JIT, onnxruntime arenas, connection
 * pools and the scraper's windows filled) to the end. Memory at the start is reported too.
 *
 * @module
 */
import { latencyOf, probeCapacity, startLoad, statusCounts } from "./load.ts";
import { metricSum, mib, round, rssBytes, scrape, sleep } from "./measure.ts";
import { Report, type ScenarioOptions, type ScenarioResult } from "./scenario.ts";
import { replicaChildren, waitReady } from "./setup.ts";
import { Stack } from "./stack.ts";

/** Parameters (reduced / full). */
export interface SoakParams {
  /** Load length, s. */
  loadS: number;
  /** When the "before" memory is taken, s into the load. */
  warmS: number;
  /** Share of capacity offered. */
  loadFraction: number;
}

/** Reduced (a smoke run, used only when named with --only) and full parameters. */
export const SOAK_PARAMS: Record<"reduced" | "full", SoakParams> = {
  reduced: { loadS: 40, warmS: 10, loadFraction: 0.6 },
  full: { loadS: 600, warmS: 60, loadFraction: 0.6 },
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
    const snapshot = () =>
      Object.fromEntries(Object.entries(initial).map(([n, pid]) => [n, rssBytes(pid)]));
    const atStart = snapshot();
    const load = await startLoad(stack, "soak", {
      endpoint,
      rate,
      seconds: p.loadS,
      dir: options.dir,
    });
    const t0 = performance.now();
    const series: { t: number; rss: Record<string, number> }[] = [];
    const sample = () =>
      series.push({
        t: round((performance.now() - t0) / 1000),
        rss: Object.fromEntries(Object.entries(snapshot()).map(([n, b]) => [n, mib(b)])),
      });
    const timer = setInterval(sample, 10_000);
    await sleep(p.warmS * 1000);
    const warm = snapshot();
    const { summary, rows } = await load.done;
    clearInterval(timer);
    await sleep(2000); // let the last requests' buffers go
    const end = snapshot();
    sample();
    await Deno.writeTextFile(`${options.dir}/rss_series.json`, JSON.stringify(series, null, 1));
    const metrics = await scrape(d.url);
    const now = procs();
    const restarted = Object.keys(initial).filter((n) => now[n] !== initial[n] || !end[n]);
    const failed = rows.filter((r) => r.status !== 200);
    const lat = latencyOf(rows.filter((r) => r.status === 200));
    const growth: Record<string, number> = {};
    for (const n of Object.keys(initial)) {
      const w = warm[n], e = end[n];
      if (w && e) growth[n] = round((e - w) / w, 3);
    }
    const worst = Math.max(...Object.values(growth));
    const asMib = (r: Record<string, number | undefined>) =>
      JSON.stringify(Object.fromEntries(Object.entries(r).map(([n, b]) => [n, mib(b)])));
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
      rss_mib_start: asMib(atStart),
      rss_mib_before: asMib(warm),
      rss_mib_after: asMib(end),
      rss_growth: JSON.stringify(growth),
      restarts: restarted.length,
    });
    report.check("no failed request", failed.length === 0, `${failed.length} of ${rows.length}`);
    report.check("no process restarts", restarted.length === 0, restarted.join(", ") || "none");
    report.check(
      `RSS growth under ${GROWTH_LIMIT * 100}% after warm-up`,
      worst < GROWTH_LIMIT,
      `worst ${round(worst * 100)}%: ${JSON.stringify(growth)}`,
    );
  } finally {
    await stack.close();
  }
  return report.result();
}
