import assert from "node:assert/strict";
import {
  clusterCalibration,
  parsePolicies,
  parseSpecs,
  readCalibration,
  summaryTable,
} from "./run.ts";
import { gaugeValue } from "./live_mode.ts";
import { windowedQueries } from "./live_stack.ts";
import { prometheusConfig, prometheusOnPath, startPrometheus } from "../metrics/mod.ts";
import { scenarioName, traceScenario } from "./workloads.ts";
import { K8S_CALIBRATION } from "../sim/mod.ts";
import { reportFixture } from "../testing/report_fixture.ts";

Deno.test("parsePolicies", async (t) => {
  await t.step("list", () => assert.deepEqual(parsePolicies("hpa, cpa"), ["hpa", "cpa"]));
  await t.step("unknown is named", () => {
    assert.throws(() => parsePolicies("hpa,foo"), /one of hpa, cpa-seed, cpa, kpa, queue: got foo/);
  });
  await t.step("empty", () => assert.throws(() => parsePolicies(" , "), /at least one/));
});

Deno.test("scenarioName", async (t) => {
  await t.step("known", () => assert.equal(scenarioName("diurnal"), "diurnal"));
  await t.step("unknown", () => assert.throws(() => scenarioName("x"), /--scenario .*: got x/));
});

Deno.test("traceScenario", async (t) => {
  const text = Array.from({ length: 120 }, (_, k) => (k < 60 ? 2 : 6)).join("\n") + "\n";
  await t.step("mean rate scaling and warm-up", () => {
    const s = traceScenario(text, { name: "t.txt", meanRate: 40, warmupSeconds: 10 });
    assert.equal(s.counts.length, 130);
    assert.equal(s.warmupSeconds, 10);
    assert.ok(Math.abs(s.rates[0] - 20) < 1e-9);
    assert.ok(Math.abs(s.rates[129] - 60) < 1e-9);
  });
  await t.step("plain scale and cut", () => {
    const s = traceScenario(text, { name: "t", scale: 2, durationSeconds: 30, warmupSeconds: 0 });
    assert.equal(s.rates.length, 30);
    assert.equal(s.rates[0], 4);
  });
});

Deno.test("gaugeValue", async (t) => {
  const text = '# HELP x\nautoscaler_desired_replicas 3\nautoscaler_current_replicas{a="b"} 2\n';
  await t.step(
    "unlabelled",
    () => assert.equal(gaugeValue(text, "autoscaler_desired_replicas"), 3),
  );
  await t.step("labelled", () => assert.equal(gaugeValue(text, "autoscaler_current_replicas"), 2));
  await t.step("absent", () => assert.equal(gaugeValue(text, "nope"), undefined));
});

Deno.test("windowedQueries", async (t) => {
  await t.step("every 1m window replaced", () => {
    const q = windowedQueries(15);
    assert.ok(Object.values(q).every((x) => !x.includes("[1m]")));
    assert.match(q.arrivalRatePerSecond, /\[15s\]/);
  });
});

Deno.test("prometheusConfig", async (t) => {
  await t.step("http service discovery of the autoscaler", () => {
    const c = prometheusConfig({ sdUrl: "http://127.0.0.1:5000/sd" }, { scrapeSeconds: 1 }) as {
      scrape_configs: { http_sd_configs: { url: string }[] }[];
      global: { scrape_interval: string };
    };
    assert.equal(c.scrape_configs[0].http_sd_configs[0].url, "http://127.0.0.1:5000/sd");
    assert.equal(c.global.scrape_interval, "1s");
    assert.equal((c.global as Record<string, string>).scrape_timeout, "900ms");
  });
});

Deno.test("readCalibration", async (t) => {
  await t.step("empty path is the fallback", async () => {
    assert.equal(await readCalibration("", K8S_CALIBRATION), K8S_CALIBRATION);
  });
  await t.step("a bad file is named", async () => {
    const path = await Deno.makeTempFile({ suffix: ".json" });
    try {
      await Deno.writeTextFile(path, JSON.stringify({ batches: [] }));
      await assert.rejects(() => readCalibration(path, K8S_CALIBRATION), new RegExp(path));
    } finally {
      await Deno.remove(path);
    }
  });
});

Deno.test("clusterCalibration: a measured host is left out of cluster-scale runs", () => {
  const measured = {
    ...K8S_CALIBRATION,
    host: { cores: 2, startupCores: 0.8, backgroundCores: 0 },
  };
  const pods = clusterCalibration(measured);
  assert.equal(pods.host, undefined);
  assert.deepEqual(pods.batches, measured.batches);
  assert.equal(measured.host.cores, 2);
});

Deno.test("summaryTable", async (t) => {
  const table = summaryTable(reportFixture());
  await t.step("a row per run and the oracle", () => {
    const rows = table.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| ---"));
    assert.ok(rows.length >= 3, table);
    assert.match(table, /\| oracle \|/);
  });
  await t.step("oracle replica-seconds", () => assert.match(table, /oracle replica-seconds: \d+/));
});

Deno.test("startPrometheus", async (t) => {
  if (!(await prometheusOnPath())) return;
  await t.step("accepts its configuration and becomes ready", async () => {
    const p = await startPrometheus({ sdUrl: "http://127.0.0.1:9/sd" });
    try {
      const res = await fetch(`${p.url}/api/v1/status/config`);
      const body = await res.json();
      assert.match(body.data.yaml, /http_sd_configs/);
    } finally {
      await p.dispose();
    }
  });
});

Deno.test("parseSpecs", async (t) => {
  await t.step("empty", () => assert.deepEqual(parseSpecs(""), {}));
  await t.step("fields", () => {
    assert.deepEqual(parseSpecs('{"hpa": {"tolerance": 0.2}}'), { hpa: { tolerance: 0.2 } });
  });
  await t.step("not JSON", () => assert.throws(() => parseSpecs("x"), /must be JSON/));
  await t.step("unknown policy", () => assert.throws(() => parseSpecs('{"y": {}}'), /got y/));
  await t.step("not an object", () => {
    assert.throws(() => parseSpecs('{"cpa": 1}'), /cpa must be an object of spec fields: got 1/);
  });
});
