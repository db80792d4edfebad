/**
 * Scenario 2, Prometheus outage: a real Prometheus scrapes the dispatcher; the autoscaler runs
 * the `cpa` policy on it (`--metrics prometheus`, local actuator, 1–3 replicas, scale-down
 * stabilisation 0 s so a wrong reading would act at once). The load is set so the policy wants
 * more than the maximum (3), however noisy the rate. Mid-run Prometheus is stopped, then started
 * again on the same port and data.
 *
 * Checks: while Prometheus is down, every tick holds the count (`MetricsUnavailable`), the
 * outage is logged, the replica count stays 3 (no scale-down to 1, the seed's failure mode:
 * it read a failed query as zero load); once Prometheus is back, decisions resume from metrics;
 * no request fails.
 *
 * @module
 */
import { startLoad, statusCounts } from "./load.ts";
import { readyReplicas, round, sleep, waitUntil } from "./measure.ts";
import { hasPrometheus, startE2ePrometheus } from "./prometheus.ts";
import { Report, type ScenarioOptions, type ScenarioResult } from "./scenario.ts";
import { rssNow, waitReady } from "./setup.ts";
import { freePort, Stack } from "./stack.ts";

/** Parameters (reduced / full). */
export interface OutageParams {
  /** Seconds of normal decisions before the outage. */
  beforeS: number;
  /** Outage length, s. */
  outageS: number;
  /** Seconds after Prometheus is back. */
  afterS: number;
  /** Offered load, requests/s (kept low: this scenario is about the control loop). */
  rate: number;
}

/** Reduced and full parameters. */
export const OUTAGE_PARAMS: Record<"reduced" | "full", OutageParams> = {
  reduced: { beforeS: 4, outageS: 8, afterS: 3, rate: 4 },
  full: { beforeS: 20, outageS: 60, afterS: 20, rate: 5 },
};

const MAX = 3;

interface Decision {
  ts: string;
  now: number;
  current: number | null;
  desired: number | null;
  reason: string;
  metricError: boolean;
  /** What the policy was given (rates, queue, ready replicas). */
  inputs?: Record<string, unknown>;
}

async function decisions(path: string): Promise<Decision[]> {
  const text = await Deno.readTextFile(path).catch(() => "");
  return text.split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

/** Runs the scenario. */
export async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const p = OUTAGE_PARAMS[options.full ? "full" : "reduced"];
  const report = new Report("prometheus", "Prometheus outage: hold, log, resume", options);
  if (!(await hasPrometheus())) return report.result("no prometheus binary on PATH");
  const stack = new Stack();
  const log = `${options.dir}/decisions.jsonl`;
  await Deno.remove(log).catch(() => {});
  try {
    const dPort = freePort();
    const prom = await startE2ePrometheus(stack, { dispatcher: [`127.0.0.1:${dPort}`] });
    const d = await stack.script("dispatcher", "dispatcher.ts", [
      "--host=127.0.0.1",
      `--port=${dPort}`,
      "--health-interval-s=0.2",
    ]);
    // The load starts first (requests wait in the dispatcher until replicas register), so the
    // arrival rate is known before the first decision.
    const seconds = 15 + p.beforeS + p.outageS + p.afterS + 30;
    const load = await startLoad(stack, "load", {
      endpoint: `${d.url}/predict`,
      rate: p.rate,
      seconds,
      dir: options.dir,
      warmup: 0, // a warm-up would wait for the replicas that do not exist yet
    });
    const rateQuery = "sum(rate(dispatcher_enqueued_requests_total[5s]))";
    await waitUntil(
      "arrival rate in Prometheus",
      async () => {
        const v = await prom.query(rateQuery);
        return v.length > 0 && Number(v[0].value[1]) > p.rate * 0.5;
      },
      30_000,
      500,
    );
    // μ = rate / 6: the policy wants ~6 replicas, clamped to 3, even at half the real rate.
    const spec = {
      serviceRatePerReplica: p.rate / 6,
      learnServiceRate: false,
      behavior: { scaleDown: { stabilizationWindowSeconds: 0 } },
    };
    const a = await stack.script("autoscaler", "autoscaler.ts", [
      "run",
      "--host=127.0.0.1",
      "--port=0",
      "--policy=cpa",
      `--spec=${JSON.stringify(spec)}`,
      "--metrics=prometheus",
      `--prometheus=${prom.url}`,
      `--queries=${JSON.stringify({ arrivalRatePerSecond: rateQuery })}`,
      "--query-timeout-ms=500",
      "--interval=1",
      "--min=1",
      `--max=${MAX}`,
      `--replicas=${MAX}`,
      `--dispatcher=${d.url}`,
      "--actuator=local",
      "--replica-args=--backend native --threads 1",
      `--decision-log=${log}`,
    ]);
    await waitReady(d.url, MAX, 120_000);
    const readySeen: number[] = [];
    const poll = setInterval(() => {
      readyReplicas(d.url).then((r) => readySeen.push(r.length)).catch(() => readySeen.push(-1));
    }, 500);
    await sleep(p.beforeS * 1000);
    const outageStart = Date.now() / 1000;
    await prom.stop();
    options.log(`prometheus stopped for ${p.outageS} s`);
    const readyBefore = readySeen.length;
    await sleep(p.outageS * 1000);
    const readyDuring = readySeen.slice(readyBefore);
    await prom.start();
    const outageEnd = Date.now() / 1000;
    options.log("prometheus started again");
    const resumed = await waitUntil(
      "a decision from metrics after the outage",
      async () => {
        const all = await decisions(log);
        return all.find((x) => x.now > outageEnd && !x.metricError);
      },
      30_000,
      250,
    ).catch(() => undefined);
    await sleep(p.afterS * 1000);
    clearInterval(poll);
    const all = await decisions(log);
    const during = all.filter((x) => x.now > outageStart + 1 && x.now < outageEnd);
    const after = all.filter((x) => x.now > outageEnd);
    const beforeOutage = all.filter((x) => x.now < outageStart);
    const minDesired = Math.min(...all.map((x) => x.desired ?? MAX));
    const outageLogs = a.logs.filter((e) => e.event === "metrics_outage").length;
    load.proc.signal("SIGINT"); // the load tester aborts the rest of its schedule, reports
    const rss = rssNow({ dispatcher: d.pid, autoscaler: a.pid });
    const holds = during.filter((x) => x.metricError && x.desired === x.current);
    report.set({
      decisions_before: beforeOutage.length,
      decisions_during_outage: during.length,
      holds_during_outage: holds.length,
      outage_reasons: JSON.stringify([...new Set(during.map((x) => x.reason))]),
      metrics_outage_log_lines: outageLogs,
      lowest_desired: minDesired,
      ready_replicas_during_outage: JSON.stringify([...new Set(readyDuring)]),
      resumed_after_s: resumed ? round(resumed.now - outageEnd) : null,
      resumed_reason: resumed?.reason ?? null,
      decisions_after: after.length,
      dispatcher_rss_mib: rss.dispatcher,
      autoscaler_rss_mib: rss.autoscaler,
    });
    report.check(
      "every tick during the outage holds the count",
      during.length >= Math.floor(p.outageS / 2) && holds.length === during.length,
      `${holds.length}/${during.length} ticks held (${[...new Set(during.map((x) => x.reason))]})`,
    );
    report.check("the outage is logged", outageLogs > 0, `${outageLogs} metrics_outage lines`);
    report.check(
      "no scale-down during the run (the seed scaled to 1)",
      minDesired === MAX && readyDuring.every((n) => n === MAX),
      `lowest desired ${minDesired}; ready during outage ${[...new Set(readyDuring)]}` +
        (minDesired < MAX ? `; below ${MAX}: ${belowMax(all, outageStart)}` : ""),
    );
    report.check(
      "decisions resume from metrics when Prometheus returns",
      resumed !== undefined && after.some((x) => !x.metricError && x.desired === MAX),
      resumed ? `first at +${round(resumed.now - outageEnd)} s (${resumed.reason})` : "none",
    );
    const result = await load.done.catch(() => undefined);
    if (result) {
      const failed = result.rows.filter((r) =>
        r.error !== "aborted" && r.error !== "dropped" && (r.status < 200 || r.status >= 300)
      );
      report.set({
        requests_sent: result.summary.requests.sent,
        failures: failed.length,
        codes: JSON.stringify(statusCounts(result.rows)),
      });
      report.check("no request failed", failed.length === 0, `${failed.length} failed`);
    }
  } finally {
    await stack.close();
  }
  return report.result();
}

/** The ticks that wanted fewer than the maximum, as `t+s desired reason (inputs)` from the outage. */
function belowMax(all: Decision[], outageStart: number): string {
  return JSON.stringify(
    all.filter((x) => (x.desired ?? MAX) < MAX).map((x) =>
      `t${x.now - outageStart >= 0 ? "+" : ""}${round(x.now - outageStart)}s ${x.desired} ` +
      `${x.reason} ${JSON.stringify(x.inputs ?? {})}`
    ),
  );
}
