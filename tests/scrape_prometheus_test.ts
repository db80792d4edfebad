/**
 * The built-in scraper against the real Debian `prometheus` on the same targets (a real dispatcher
 * and two metric-exposing stand-in replicas under steady load): p95 within one bucket, rates
 * within 5%. Then the outage hold with the real Prometheus stopped and restarted, and a partial
 * scrape (a replica down). Skips only when `prometheus` is not installed.
 */
import assert from "node:assert/strict";
import { createDryRunActuator } from "../lib/actuator/mod.ts";
import { createController } from "../lib/autoscaler/mod.ts";
import type { Logger } from "../lib/shared/mod.ts";
import {
  autoscalerMetrics,
  createPrometheusSource,
  createRegistry,
  createScrapeSource,
  LATENCY_BUCKETS,
  type MetricSource,
  prometheusOnPath,
  scrapeAll,
  SeriesStore,
  startPrometheus,
} from "../lib/metrics/mod.ts";
import { type Started, startScript } from "./support/process.ts";

const installed = await prometheusOnPath();
if (!installed) {
  console.error(
    "scrape_prometheus_test: SKIPPED — `prometheus` is not installed (apt-get install prometheus)",
  );
}

function bucketIndex(seconds: number): number {
  const i = LATENCY_BUCKETS.findIndex((le) => seconds <= le);
  return i < 0 ? LATENCY_BUCKETS.length : i;
}

function within(a: number | undefined, b: number | undefined, fraction: number, what: string) {
  assert.ok(a !== undefined && b !== undefined, `${what}: scrape ${a}, prometheus ${b}`);
  assert.ok(
    Math.abs(a - b) <= fraction * Math.max(a, b),
    `${what}: scrape ${a} vs prometheus ${b} differ by more than ${fraction * 100}%`,
  );
}

/** Uniform open-loop load: one request every 1000/rps ms until `signal` aborts. */
async function load(url: string, rps: number, signal: AbortSignal): Promise<number> {
  const start = performance.now();
  const pending = new Set<Promise<void>>();
  let sent = 0;
  while (!signal.aborted) {
    const due = start + (sent * 1000) / rps;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const p = fetch(`${url}/predict`, {
      method: "POST",
      body: "x",
      headers: { "content-type": "image/jpeg" },
    })
      .then((r) => r.body?.cancel()).catch(() => {}).then(() => {
        pending.delete(p);
      });
    pending.add(p);
    sent++;
  }
  await Promise.all(pending);
  return sent;
}

Deno.test({
  name: "scrape source vs real Prometheus, and the outage hold",
  ignore: !installed,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const stubs: Started[] = [];
    let dispatcher: Started | undefined;
    const loadStop = new AbortController();
    const scrapeStop = new AbortController();
    let prom;
    try {
      for (let i = 0; i < 2; i++) {
        stubs.push(await startScript("tests/support/metrics_stub_replica.ts", ["--base-ms=20"]));
      }
      dispatcher = await startScript("dispatcher.ts", [
        "--host=127.0.0.1",
        "--port=0",
        "--health-interval-s=0.2",
        `--replicas=${stubs.map((s) => s.url).join(",")}`,
      ]);
      const targets = [dispatcher.url, ...stubs.map((s) => s.url)];
      const host = (url: string) => new URL(url).host;
      prom = await startPrometheus({
        jobs: { dispatcher: [host(dispatcher.url)], replica: stubs.map((s) => host(s.url)) },
      });
      // Prometheus starts scraping a few seconds after it is ready: wait for every target to be
      // up so both sources see the counters before the load starts.
      const until = Date.now() + 30_000;
      for (;;) {
        const body = await fetch(`${prom.url}/api/v1/query?query=sum(up)`).then((r) => r.json());
        if (Number(body.data?.result?.[0]?.value?.[1]) === targets.length) break;
        if (Date.now() > until) throw new Error(`prometheus did not scrape ${targets} in 30 s`);
        await new Promise((r) => setTimeout(r, 250));
      }
      const store = new SeriesStore({ retentionS: 120 });
      const scrapeLoop = (async () => {
        while (!scrapeStop.signal.aborted) {
          const at = Date.now();
          await scrapeAll(store, targets, at / 1000, { timeoutMs: 900 });
          await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - at))));
        }
      })();
      const scrape = createScrapeSource({ store, windowS: 60 });
      const prometheus = createPrometheusSource({ url: prom.url, timeoutMs: 2000 });
      await new Promise((r) => setTimeout(r, 2000));
      const loadDone = load(dispatcher.url, 40, loadStop.signal);
      await new Promise((r) => setTimeout(r, 22_000));

      await t.step("p95 within one bucket, rates within 5%, no target down", async () => {
        const now = Date.now() / 1000 - 0.5;
        const [a, b] = await Promise.all([scrape.read(now), prometheus.read(now)]);
        console.error(JSON.stringify({ scrape: a.values, prometheus: b.values }));
        assert.deepEqual([a.down, b.down, b.errors], [[], [], []]);
        const pa = a.values.p95LatencySeconds!, pb = b.values.p95LatencySeconds!;
        assert.ok(pa > 0 && pb > 0, `p95 scrape ${pa}, prometheus ${pb}`);
        assert.ok(
          Math.abs(bucketIndex(pa) - bucketIndex(pb)) <= 1,
          `p95 scrape ${pa} vs prometheus ${pb}: more than one bucket apart`,
        );
        within(a.values.arrivalRatePerSecond, b.values.arrivalRatePerSecond, 0.05, "arrival rate");
        within(a.values.throughputPerSecond, b.values.throughputPerSecond, 0.05, "throughput");
        for (const s of stubs) {
          const key = new URL(s.url).host;
          assert.ok(
            a.podCpuCores[key] !== undefined && b.podCpuCores[key] !== undefined,
            `CPU of ${key}`,
          );
        }
        assert.ok(a.values.queueLength !== undefined && b.values.queueLength !== undefined);
        assert.ok(a.values.inFlight !== undefined && b.values.inFlight !== undefined);
      });
      loadStop.abort();
      await loadDone;

      const events: string[] = [];
      const log: Logger = (event) => events.push(event);
      const controllerFor = (source: MetricSource) => {
        const registry = createRegistry();
        const metrics = autoscalerMetrics(registry);
        const controller = createController({
          tick: {
            policy: "queue",
            spec: { minReplicas: 1, maxReplicas: 10, targetPerReplica: 2 },
            source,
            actuator: createDryRunActuator({ replicas: 3, min: 1, max: 10, log }),
            backoff: { baseS: 15, maxS: 300 },
            windowS: 60,
          },
          metrics,
          writeDecision: () => {},
          log,
        });
        const errors = async () => {
          const text = await registry.metrics();
          return Number(text.match(/^autoscaler_metric_errors_total (\S+)$/m)?.[1]);
        };
        return { controller, errors };
      };

      const withProm = controllerFor(prometheus);
      await t.step("Prometheus up: the policy decides", async () => {
        const r = await withProm.controller.tick(Date.now() / 1000);
        assert.ok(!r.reason.startsWith("Metrics"), `reason ${r.reason}: ${r.errors}`);
        assert.equal(await withProm.errors(), 0);
      });
      await t.step("Prometheus stopped: hold at 3, log the outage, count the error", async () => {
        await prom!.stop();
        const r = await withProm.controller.tick(Date.now() / 1000);
        assert.deepEqual([r.current, r.desired, r.reason], [3, 3, "MetricsUnavailable"]);
        assert.match(r.errors.join("\n"), /unreachable/);
        assert.ok(events.includes("metrics_outage"));
        assert.equal(await withProm.errors(), 1);
      });
      await t.step("Prometheus back: decisions resume", async () => {
        await prom!.start();
        let r;
        const until = Date.now() + 15_000;
        do {
          await new Promise((res) => setTimeout(res, 500));
          r = await withProm.controller.tick(Date.now() / 1000);
        } while (r.reason.startsWith("Metrics") && Date.now() < until);
        assert.ok(!r.reason.startsWith("Metrics"), `still ${r.reason}: ${r.errors}`);
        assert.equal(r.desired, 3);
      });
      await t.step("a replica target down: partial metrics hold", async () => {
        const withScrape = controllerFor(scrape);
        await stubs[1].stop();
        await new Promise((r) => setTimeout(r, 1500));
        const r = await withScrape.controller.tick(Date.now() / 1000);
        assert.deepEqual([r.desired, r.reason], [3, "MetricsPartial"]);
        assert.match(r.down.join(), new RegExp(new URL(stubs[1].url).host));
        assert.equal(await withScrape.errors(), 1);
      });
      scrapeStop.abort();
      await scrapeLoop;
    } finally {
      loadStop.abort();
      scrapeStop.abort();
      await prom?.dispose();
      await dispatcher?.stop();
      for (const s of stubs) await s.stop();
    }
  },
});
