import assert from "node:assert/strict";
import {
  createScrapeSource,
  DEFAULT_QUERIES,
  EMULATED_CPU_METRIC,
  EMULATED_CPU_QUERY,
} from "./source.ts";
import { SeriesStore } from "./scraper.ts";

const D = "http://127.0.0.1:5052";

/** Dispatcher histogram samples: `slow` answers of code 200 at 0.8 s, `fast` 429s at 2 ms. */
function dispatcherSamples(slow: number, fast: number) {
  const bucket = (code: string, le: string, v: number) => ({
    name: "dispatcher_request_duration_seconds_bucket",
    labels: { code, le },
    value: v,
  });
  return [
    bucket("200", "0.005", 0),
    bucket("200", "0.5", 0),
    bucket("200", "1", slow),
    bucket("200", "+Inf", slow),
    bucket("429", "0.005", fast),
    bucket("429", "0.5", fast),
    bucket("429", "1", fast),
    bucket("429", "+Inf", fast),
  ];
}

Deno.test("createScrapeSource: the p95 is the users' latency", async (t) => {
  await t.step("read from the dispatcher's histogram, 429s left out", async () => {
    const store = new SeriesStore({ retentionS: 120 });
    store.ingest(D, dispatcherSamples(0, 0), 1000);
    store.ingest(D, dispatcherSamples(60, 600), 1060);
    const reading = await createScrapeSource({ store, windowS: 60 }).read(1060);
    const p95 = reading.values.p95LatencySeconds!;
    // Only the 60 slow answers count: p95 inside the (0.5, 1] bucket, not the 429s' 5 ms.
    assert.ok(p95 > 0.5 && p95 <= 1, `p95 ${p95}`);
  });
  await t.step("the PromQL default uses the same histogram and filter", () => {
    assert.match(
      DEFAULT_QUERIES.p95LatencySeconds,
      /dispatcher_request_duration_seconds_bucket\{code!~"4\.\."\}/,
    );
  });
});

Deno.test("createScrapeSource: hollow replicas' pod CPU is their emulated CPU", async () => {
  const store = new SeriesStore({ retentionS: 120 });
  const replica = "http://127.0.0.1:6001";
  const cpu = (own: number, emulated: number) => [
    { name: "process_cpu_seconds_total", labels: {}, value: own },
    { name: EMULATED_CPU_METRIC, labels: {}, value: emulated },
  ];
  store.ingest(replica, cpu(0, 0), 1000);
  store.ingest(replica, cpu(3, 48), 1060);
  const own = await createScrapeSource({ store, windowS: 60 }).read(1060);
  const emulated = await createScrapeSource({ store, windowS: 60, cpuMetric: EMULATED_CPU_METRIC })
    .read(1060);
  assert.deepEqual(Object.values(own.podCpuCores), [0.05]);
  assert.deepEqual(Object.values(emulated.podCpuCores), [0.8]);
  assert.equal(EMULATED_CPU_QUERY, "rate(replica_emulated_cpu_seconds_total[1m])");
});
