/**
 * Several dispatchers, each with its own queue (as the dispatcher StatefulSet runs them): the
 * autoscaler's readings sum over every dispatcher instance, with the built-in scraper given both
 * dispatchers and with a real Prometheus queried through the CPA overlay's queries
 * (k8s/overlays/cpa/queries.json, which the cluster's autoscaler uses).
 *
 * Setup: one stand-in replica answering after 6 s; dispatcher A holds 3 requests and B holds 2,
 * each with one request at the replica (`--per-replica-inflight 1`) and the rest queued. Summed:
 * queue 3, in flight at replicas 2; either dispatcher alone would give 2/1 or 1/1.
 */
import assert from "node:assert/strict";
import { ROOT } from "../scripts/compile.ts";
import {
  freePort,
  prometheusOnPath,
  type RunningPrometheus,
  startPrometheus,
} from "../lib/metrics/mod.ts";
import { type Started, startScript } from "./support/process.ts";

const QUERIES = `${ROOT}k8s/overlays/cpa/queries.json`;

interface Reading {
  values: { queueLength?: number; inFlight?: number; arrivalRatePerSecond?: number };
}

async function reading(autoscaler: Started): Promise<Reading> {
  const res = await fetch(`${autoscaler.url}/api/v1/metrics`);
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return JSON.parse(body.metrics[0].value).reading;
}

async function until<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const end = Date.now() + 5_000;
  let last: T;
  do {
    last = await fn();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  } while (Date.now() < end);
  throw new Error(`${what}: last ${JSON.stringify(last)}`);
}

Deno.test("autoscaler readings sum over two dispatchers (scrape and Prometheus)", async (t) => {
  const procs: Started[] = [];
  const pending: Promise<unknown>[] = [];
  let prom: RunningPrometheus | undefined;
  try {
    // Ports chosen up front, so Prometheus (first scrape ~5 s after its start) starts first.
    const ports = [freePort(), freePort()];
    if (await prometheusOnPath()) {
      prom = await startPrometheus({ jobs: { dispatcher: ports.map((p) => `127.0.0.1:${p}`) } });
    }
    const stub = await startScript("tests/support/stub_replica.ts", [
      "--port=0",
      "--delay-ms=6000",
      "--name=slow",
    ]);
    procs.push(stub);
    const [a, b] = await Promise.all(ports.map((port) =>
      startScript("dispatcher.ts", [
        `--port=${port}`,
        "--host=127.0.0.1",
        `--replicas=${stub.url}`,
        "--per-replica-inflight=1",
        "--health-interval-s=0.2",
        "--grace-s=0.2",
      ])
    ));
    procs.push(a, b);
    const both = `${a.url},${b.url}`;
    const common = ["run", "--port=0", "--host=127.0.0.1", "--actuator=dry-run", "--interval=60"];
    const scraping = await startScript("autoscaler.ts", [
      ...common,
      "--metrics=scrape",
      "--scrape-interval=0.2",
      `--dispatcher=${both}`,
      "--decision-log=/dev/null",
    ]);
    procs.push(scraping);
    const querying = prom
      ? await startScript("autoscaler.ts", [
        ...common,
        "--metrics=prometheus",
        `--prometheus=${prom.url}`,
        `--queries=${QUERIES}`,
        "--pod-label=pod",
        "--decision-log=/dev/null",
      ])
      : undefined;
    if (querying) procs.push(querying);
    if (prom) {
      await until(
        "prometheus scraping both dispatchers",
        () => prom!.query("count(up == 1)"),
        (r) => r[0]?.value[1] === "2",
      );
    }

    // Wait until each dispatcher sees the replica ready, then park 3 + 2 requests.
    for (const d of [a, b]) {
      await until(`${d.url} ready replica`, async () => {
        const res = await fetch(`${d.url}/admin/replicas`);
        return (await res.json()).replicas as { state: string }[];
      }, (rs) => rs.some((r) => r.state === "ready"));
    }
    const post = (d: Started) =>
      fetch(`${d.url}/predict`, {
        method: "POST",
        body: new Uint8Array([0xff, 0xd8, 0xff]),
        headers: { "content-type": "image/jpeg" },
      }).then((r) => r.body?.cancel()).catch(() => {});
    for (let i = 0; i < 3; i++) pending.push(post(a));
    for (let i = 0; i < 2; i++) pending.push(post(b));

    await t.step("built-in scraper over --dispatcher A,B: queue 3, at replicas 2", async () => {
      const r = await until(
        "scrape reading",
        () => reading(scraping),
        (r) => r.values.queueLength === 3 && r.values.inFlight === 2,
      );
      assert.equal(r.values.queueLength, 3);
      assert.equal(r.values.inFlight, 2);
    });
    await t.step({
      name: "Prometheus with the CPA overlay's queries: queue 3, at replicas 2, arrivals from both",
      ignore: !querying,
      fn: async () => {
        const r = await until(
          "prometheus reading",
          () => reading(querying!),
          (r) => r.values.queueLength === 3 && r.values.inFlight === 2,
        );
        assert.equal(r.values.queueLength, 3);
        assert.equal(r.values.inFlight, 2);
        const perInstance = await prom!.query(
          'sum by (instance) (rate(dispatcher_enqueued_requests_total{job="dispatcher"}[1m]))',
        );
        assert.equal(perInstance.length, 2);
        const total = perInstance.reduce((s, x) => s + Number(x.value[1]), 0);
        const r2 = await reading(querying!);
        assert.ok(r2.values.arrivalRatePerSecond! > 0);
        assert.ok(Math.abs(r2.values.arrivalRatePerSecond! - total) < 0.5 * total + 1e-9);
      },
    });
  } finally {
    // The stand-in replica first, so the dispatchers' relays fail at once and they stop quickly.
    for (const p of procs) await p.stop();
    await prom?.dispose();
    await Promise.all(pending);
  }
});
