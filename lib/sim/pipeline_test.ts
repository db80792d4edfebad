import assert from "node:assert/strict";
import { LATENCY_BUCKETS } from "../metrics/mod.ts";
import { EV_BATCH_DONE, SimCluster } from "./cluster.ts";
import { resolveConfig } from "./config.ts";
import { EventHeap } from "./heap.ts";
import { bucketIndex } from "./histogram.ts";
import { MetricsPipeline } from "./pipeline.ts";
import { Recorder } from "./recorder.ts";
import type { Calibration } from "./calibration.ts";
import { fixedCalibration } from "../testing/fixed_calibration.ts";

/** One ready replica serving 0.1 s batches, an arrival every 0.5 s, scrapes every 15 s. */
function setup(calibration: Partial<Calibration> = {}) {
  const config = resolveConfig({
    counts: [0],
    seed: 1,
    calibration: { ...fixedCalibration(0.1), ...calibration },
    dispatcher: { batchDelaySeconds: 0 },
    controller: { kind: "fixed" },
    initialReplicas: 1,
  });
  const heap = new EventHeap();
  const rec = new Recorder(1, { slo: 0.5, timeout: 30, keepSeries: false });
  const cluster = new SimCluster(config, heap, rec, () => 0.1, () => 10);
  const pipeline = new MetricsPipeline(config, cluster, rec);
  const until = (time: number) => {
    while (heap.peekTime() <= time) {
      heap.pop();
      cluster.handle(heap.kind, heap.a, heap.b, heap.time);
    }
  };
  return { heap, rec, cluster, pipeline, until };
}

/** A minute of an arrival every 0.5 s, scraped every 15 s; the observation at 61 s. */
function steadyMinute(calibration: Partial<Calibration> = {}) {
  const { cluster, pipeline, until } = setup(calibration);
  cluster.addReady(1, 0);
  pipeline.scrape(0);
  for (let i = 0; i < 120; i++) {
    const t = i * 0.5;
    if (t > 0 && t % 15 === 0) {
      until(t);
      pipeline.scrape(t);
    }
    until(t);
    cluster.arrive(t);
  }
  until(60);
  pipeline.scrape(60);
  return pipeline.observation(61, 1);
}

Deno.test("MetricsPipeline observation", async (t) => {
  await t.step("before any scrape: pods only, no metrics", () => {
    const { cluster, pipeline } = setup();
    cluster.addReady(2, 0);
    const obs = pipeline.observation(1, 2);
    assert.equal(obs.pods!.length, 2);
    assert.equal(obs.pods![0].cpuUsageMilli, undefined);
    assert.equal(obs.arrivalRatePerSecond, undefined);
    assert.equal(obs.p95LatencySeconds, undefined);
  });
  await t.step("rate, p95 and CPU after a minute of steady load", () => {
    const obs = steadyMinute();
    assert.equal(obs.arrivalRatePerSecond, 2);
    assert.equal(obs.throughputPerSecond, 2);
    assert.equal(obs.queueLength, 0);
    assert.equal(obs.inFlight, 0);
    // Every latency is 0.1 s: histogram_quantile interpolates 95% into 0.1's bucket.
    const b = bucketIndex(LATENCY_BUCKETS, 0.1);
    const want = LATENCY_BUCKETS[b - 1] + (LATENCY_BUCKETS[b] - LATENCY_BUCKETS[b - 1]) * 0.95;
    assert.ok(Math.abs(obs.p95LatencySeconds! - want) < 1e-12, `p95 ${obs.p95LatencySeconds}`);
    // Busy 0.1 s every 0.5 s: 20% of one thread, plus 5m idle.
    const pod = obs.pods![0];
    assert.equal(pod.cpuUsageMilli, 205);
    assert.equal(pod.metricWindowSeconds, 30);
    assert.equal(pod.metricTimestamp, 60);
    assert.equal(pod.ready, true);
    assert.equal(pod.cpuRequestMilli, 1000);
  });
  await t.step("CPU counts the per-request CPU and the threads", () => {
    // 0.05 s per request at 2 req/s adds 100m; 2 threads double the batches' 200m.
    assert.equal(steadyMinute({ requestCpuSeconds: 0.05 }).pods![0].cpuUsageMilli, 305);
    assert.equal(steadyMinute({ threads: 2 }).pods![0].cpuUsageMilli, 405);
  });
  await t.step("a young pod's CPU covers its life; starting and draining pods are marked", () => {
    const { cluster, pipeline, until, heap } = setup();
    cluster.addReady(1, 0);
    pipeline.scrape(0);
    cluster.scaleTo(2, 3); // starts a pod at 3, ready at 13
    until(15);
    pipeline.scrape(15);
    let obs = pipeline.observation(16, 2);
    const young = obs.pods!.find((p) => p.startTime === 3)!;
    assert.equal(young.ready, true);
    assert.equal(young.readyTransitionTime, 13);
    assert.equal(young.metricWindowSeconds, 12);
    assert.equal(young.cpuUsageMilli, 5);
    cluster.arrive(15.5); // goes to one replica
    cluster.scaleTo(1, 15.6); // drains the most recently ready: the young one if it is busy
    obs = pipeline.observation(16, 1);
    assert.equal(obs.pods!.length, cluster.pods);
    assert.ok(heap.size >= 1);
    until(20);
    assert.equal(cluster.pods, 1);
    assert.equal(cluster.draining, 0);
  });
  await t.step("a queue at the scrape is reported", () => {
    const { cluster, pipeline, until, heap } = setup();
    cluster.addReady(1, 0);
    for (let i = 0; i < 12; i++) cluster.arrive(0); // 8 at the replica (cap), 4 queued
    pipeline.scrape(0.01);
    const obs = pipeline.observation(1, 1);
    assert.equal(obs.queueLength, 4);
    assert.equal(obs.inFlight, 8);
    assert.equal(heap.peekTime(), 0.1);
    heap.pop();
    assert.equal(heap.kind, EV_BATCH_DONE);
    until(10);
  });
});
