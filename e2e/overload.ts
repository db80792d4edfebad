/**
 * Scenario 5, overload: two native replicas behind a dispatcher with a small queue
 * (`--queue 8`); capacity is probed closed-loop, then three times that is offered open-loop.
 *
 * Checks: the dispatcher sheds with 429 (and `Retry-After`) quickly (full run: p99 of the
 * rejections under 50 ms; reduced run: under a generous 1 s), accepted requests meet a bound set
 * by the queue (the in-flight slots and the queue drained at capacity, with slack), goodput holds
 * (full run: at least half the probed capacity, whose CPU the load generator and the rejections
 * share on this machine), no 5xx or broken connection, nothing crashes, memory bounded.
 *
 * @module
 */
import { latencyOf, probeCapacity, runLoad, statusCounts } from "./load.ts";
import { metricSum, round, scrape } from "./measure.ts";
import { Report, type ScenarioOptions, type ScenarioResult } from "./scenario.ts";
import { RssSampler, startDispatcher, startReplicas } from "./setup.ts";
import { Stack } from "./stack.ts";

/** Parameters (reduced / full). */
export interface OverloadParams {
  /** Capacity probe, s. */
  probeS: number;
  /** Overload window, s. */
  loadS: number;
  /** Offered load as a multiple of capacity. */
  factor: number;
}

/** Reduced and full parameters. */
export const OVERLOAD_PARAMS: Record<"reduced" | "full", OverloadParams> = {
  reduced: { probeS: 3, loadS: 8, factor: 3 },
  full: { probeS: 8, loadS: 60, factor: 3 },
};

const QUEUE = 8;
const PER_REPLICA = 8;
const REPLICAS = 2;
const RSS_BOUND_MIB = 1536;

/** Runs the scenario. */
export async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const p = OVERLOAD_PARAMS[options.full ? "full" : "reduced"];
  const report = new Report("overload", "3× capacity: shed with 429, bounded latency", options);
  const stack = new Stack();
  try {
    const replicas = await startReplicas(stack, REPLICAS);
    const d = await startDispatcher(stack, replicas, [
      `--queue=${QUEUE}`,
      `--per-replica-inflight=${PER_REPLICA}`,
    ]);
    const endpoint = `${d.url}/predict`;
    const cap = await probeCapacity(endpoint, {
      seconds: p.probeS,
      concurrency: REPLICAS * PER_REPLICA,
    });
    const rate = round(cap.rps * p.factor, 1);
    options.log(`capacity ${round(cap.rps)} req/s; offering ${rate} req/s for ${p.loadS} s`);
    const pids = () => ({
      dispatcher: d.pid,
      ...Object.fromEntries(replicas.map((r) => [r.name, r.pid])),
    });
    const sampler = new RssSampler(pids);
    const before = await scrape(d.url);
    const { summary, rows } = await runLoad(stack, "overload", {
      endpoint,
      rate,
      seconds: p.loadS,
      dir: options.dir,
      maxInflight: 5000,
    });
    sampler.stop();
    // Retry-After on a shed request: a burst far over the queue
    const burst = await Promise.all(
      Array.from({ length: 60 }, () =>
        fetch(endpoint, {
          method: "POST",
          body: new Uint8Array(10),
          headers: { "content-type": "image/jpeg" },
        })
          .then(async (r) => ({
            status: r.status,
            retryAfter: r.headers.get("retry-after"),
            body: await r.text(),
          }))),
    );
    const shedBurst = burst.filter((b) => b.status === 429);
    const after = await scrape(d.url);
    const recorded = rows.filter((r) => r.error !== "dropped");
    const shed = recorded.filter((r) => r.status === 429);
    const accepted = recorded.filter((r) => r.status === 200);
    const others = recorded.filter((r) => r.status !== 200 && r.status !== 429);
    const shedLat = latencyOf(shed, (r) => r.uncorrected);
    const okLat = latencyOf(accepted, (r) => r.uncorrected);
    const goodput = accepted.length / p.loadS;
    // queue + in-flight slots drained at capacity, with slack for a loaded machine
    const bound = Math.max(2000, 3 * 1000 * (QUEUE + REPLICAS * PER_REPLICA) / cap.rps);
    const alive = [d, ...replicas].every((x) => x.alive);
    const peak = sampler.maxPeakMib();
    report.set({
      capacity_rps: round(cap.rps),
      offered_rps: rate,
      requests_sent: summary.requests.sent,
      accepted: accepted.length,
      shed_429: shed.length,
      shed_fraction: round(shed.length / Math.max(1, recorded.length), 3),
      other_statuses: JSON.stringify(statusCounts(others)),
      dropped_client_side: summary.requests.dropped,
      goodput_rps: round(goodput),
      shed_p50_ms: round(shedLat.p50),
      shed_p99_ms: round(shedLat.p99),
      shed_max_ms: round(shedLat.max),
      accepted_p50_ms: round(okLat.p50),
      accepted_p95_ms: round(okLat.p95),
      accepted_p99_ms: round(okLat.p99),
      accepted_max_ms: round(okLat.max),
      accepted_bound_ms: round(bound),
      dispatcher_rejected_queue_full: metricSum(after, "dispatcher_rejected_total", "queue_full") -
        metricSum(before, "dispatcher_rejected_total", "queue_full"),
      retry_after: shedBurst[0]?.retryAfter ?? null,
      rss_mib_peak: peak,
    });
    report.check(
      "the dispatcher sheds with 429",
      shed.length > 0.1 * recorded.length,
      `${shed.length} of ${recorded.length} shed (${
        round((100 * shed.length) / recorded.length)
      }%)`,
    );
    report.check(
      "429s carry Retry-After and the JSON error",
      shedBurst.length > 0 &&
        shedBurst.every((b) =>
          b.retryAfter === "1" && JSON.parse(b.body).error.code === "queue_full"
        ),
      `${shedBurst.length}/60 of a burst shed; Retry-After ${shedBurst[0]?.retryAfter}`,
    );
    report.check(
      "rejections are quick (p99 < 1 s)",
      shedLat.p99 < 1000,
      `p99 ${round(shedLat.p99)} ms`,
    );
    report.check("rejections p99 < 50 ms", shedLat.p99 < 50, `p99 ${round(shedLat.p99)} ms`, true);
    report.check(
      "accepted requests meet the queue's bound",
      okLat.p99 < bound,
      `p99 ${round(okLat.p99)} ms, max ${round(okLat.max)} ms; bound ${round(bound)} ms`,
    );
    report.check(
      // Not a collapse: the load generator and the shedding itself take CPU from the replicas
      // on the same two cores, so goodput under 3× load sits below the closed-loop capacity.
      "goodput holds (≥ 50% of capacity: no congestion collapse)",
      goodput >= 0.5 * cap.rps,
      `${round(goodput)} of ${round(cap.rps)} req/s`,
      true,
    );
    report.check(
      "no 5xx or broken connection",
      others.length === 0,
      JSON.stringify(statusCounts(others)),
    );
    report.check("nothing crashed", alive, alive ? "all up" : "a process exited");
    report.check(`RSS bounded (< ${RSS_BOUND_MIB} MiB)`, peak < RSS_BOUND_MIB, `peak ${peak} MiB`);
  } finally {
    await stack.close();
  }
  return report.result();
}
