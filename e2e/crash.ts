/**
 * Scenario 1, replica crash under load: a dispatcher and an autoscaler whose local actuator
 * keeps two native replicas; capacity is probed, then load runs at 70% of it while replicas are
 * SIGKILLed one at a time, each after the previous one's replacement is ready (so one always
 * lives). No request may fail; every killed replica must be replaced (a new process registered
 * and ready); the dispatcher and the autoscaler must not restart.
 *
 * @module
 */
import { latencyOf, probeCapacity, startLoad, statusCounts } from "./load.ts";
import {
  listeningPorts,
  metricSum,
  readyReplicas,
  round,
  scrape,
  sleep,
  waitUntil,
} from "./measure.ts";
import { Report, type ScenarioOptions, type ScenarioResult } from "./scenario.ts";
import { replicaChildren, rssNow, waitReady } from "./setup.ts";
import { Stack } from "./stack.ts";

/** Parameters (reduced / full). */
export interface CrashParams {
  /** Capacity probe length, s. */
  probeS: number;
  /** Longest load, s: it is interrupted once the kills are done and the stack has recovered. */
  loadS: number;
  /** Seconds of load after the last replacement (and before the first kill). */
  settleS: number;
  /** Replicas killed (one at a time). */
  kills: number;
  /** Share of capacity offered. */
  loadFraction: number;
}

/** Reduced and full parameters. */
export const CRASH_PARAMS: Record<"reduced" | "full", CrashParams> = {
  reduced: { probeS: 3, loadS: 90, settleS: 3, kills: 2, loadFraction: 0.7 },
  full: { probeS: 8, loadS: 240, settleS: 10, kills: 4, loadFraction: 0.7 },
};

const REPLICAS = 2;

/** Runs the scenario. */
export async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const p = CRASH_PARAMS[options.full ? "full" : "reduced"];
  const report = new Report("crash", "SIGKILL replicas one by one under load at 70%", options);
  const stack = new Stack();
  try {
    const d = await stack.script("dispatcher", "dispatcher.ts", [
      "--host=127.0.0.1",
      "--port=0",
      "--health-interval-s=0.2",
    ]);
    const a = await stack.script("autoscaler", "autoscaler.ts", [
      "run",
      "--host=127.0.0.1",
      "--port=0",
      "--policy=queue",
      "--interval=1",
      "--scrape-interval=1",
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
    const cap = await probeCapacity(endpoint, {
      seconds: p.probeS,
      concurrency: 16,
    });
    const rate = round(Math.max(2, cap.rps * p.loadFraction), 1);
    options.log(`capacity ${round(cap.rps)} req/s; offering ${rate} req/s`);
    const rssBefore = rssNow({ dispatcher: d.pid, autoscaler: a.pid });
    const load = await startLoad(stack, "load", {
      endpoint,
      rate,
      seconds: p.loadS,
      dir: options.dir,
    });
    const t0 = performance.now();
    const kills: { at_s: number; replaced_s: number | null; url: string }[] = [];
    await sleep(p.settleS * 1000);
    for (let k = 0; k < p.kills; k++) {
      if ((performance.now() - t0) / 1000 > p.loadS - 30) break; // leave time to recover
      const victims = replicaChildren(a.pid).sort((x, y) => x - y);
      if (victims.length === 0) break;
      const pid = victims[0];
      const url = `http://127.0.0.1:${listeningPorts(pid)[0]}`;
      const at = performance.now();
      Deno.kill(pid, "SIGKILL");
      options.log(`killed replica pid ${pid} (${url}) at ${round((at - t0) / 1000)} s`);
      let replaced: number | null = null;
      try {
        // the ready count is back, without the killed replica's URL
        await waitUntil(`replacement of ${url}`, async () => {
          const ready = await readyReplicas(d.url);
          return ready.length === REPLICAS && !ready.includes(url);
        }, 90_000);
        replaced = round((performance.now() - at) / 1000);
      } catch (err) {
        options.log(`replacement of ${url} not ready: ${(err as Error).message}`);
      }
      kills.push({ at_s: round((at - t0) / 1000), replaced_s: replaced, url });
      await sleep(p.settleS * 1000);
    }
    load.proc.signal("SIGINT"); // the load tester stops its schedule and reports
    const { summary, rows } = await load.done;
    const metrics = await scrape(d.url);
    // requests cut off by the interrupt at the end are not the stack's failures
    const recorded = rows.filter((r) => r.error !== "dropped" && r.error !== "aborted");
    const failed = recorded.filter((r) => r.status < 200 || r.status >= 300);
    const firstKill = kills.length ? kills[0].at_s * 1000 : Infinity;
    const lat = latencyOf(recorded.filter((r) => r.status === 200));
    const before = latencyOf(recorded.filter((r) => r.status === 200 && r.scheduled < firstKill));
    const replacedTimes = kills.map((k) => k.replaced_s).filter((x): x is number => x !== null);
    const rssAfter = rssNow({ dispatcher: d.pid, autoscaler: a.pid });
    report.set({
      capacity_rps: round(cap.rps),
      offered_rps: rate,
      requests_sent: summary.requests.sent,
      cut_off_at_end: rows.filter((r) => r.error === "aborted").length,
      ok: summary.requests.ok,
      failures: failed.length,
      dropped: summary.requests.dropped,
      codes: JSON.stringify(statusCounts(rows)),
      retries: metricSum(metrics, "dispatcher_retries_total"),
      kills: kills.length,
      replaced: replacedTimes.length,
      replace_s_max: replacedTimes.length ? Math.max(...replacedTimes) : null,
      p95_before_kill_ms: round(before.p95),
      p95_ms: round(lat.p95),
      p99_ms: round(lat.p99),
      max_ms: round(lat.max),
      dispatcher_rss_mib_before: rssBefore.dispatcher,
      dispatcher_rss_mib_after: rssAfter.dispatcher,
      autoscaler_rss_mib_before: rssBefore.autoscaler,
      autoscaler_rss_mib_after: rssAfter.autoscaler,
    });
    const checks: [string, boolean, string][] = [
      [
        "zero failed requests while a replica lives",
        failed.length === 0 && summary.requests.dropped === 0,
        `${failed.length} failed, ${summary.requests.dropped} dropped of ${summary.requests.sent}`,
      ],
      [
        "replicas were killed",
        kills.length >= Math.min(2, p.kills),
        `${kills.length} of ${p.kills} kills`,
      ],
      [
        "every killed replica was replaced",
        replacedTimes.length === kills.length,
        `${replacedTimes.length}/${kills.length} replaced, slowest ${
          Math.max(0, ...replacedTimes)
        } s`,
      ],
      [
        "dispatcher and autoscaler did not restart",
        d.alive && a.alive,
        `dispatcher ${d.alive ? "up" : "DOWN"}, autoscaler ${a.alive ? "up" : "DOWN"}`,
      ],
    ];
    for (const [name, ok, detail] of checks) report.check(name, ok, detail);
    report.set({ kill_log: JSON.stringify(kills) });
  } finally {
    await stack.close();
  }
  return report.result();
}
