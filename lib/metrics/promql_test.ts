import assert from "node:assert/strict";
import { createDryRunActuator } from "../actuator/mod.ts";
import { createPrometheusSource, DEFAULT_QUERIES } from "./source.ts";
import { instantQuery, parseQueryData, PromQueryError } from "./promql.ts";

/** A Prometheus stand-in on loopback answering `/api/v1/query` from a table of queries. */
function fakePrometheus(answers: Record<string, unknown>, delayMs = 0) {
  const seen: URLSearchParams[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    seen.push(url.searchParams);
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    const query = url.searchParams.get("query") ?? "";
    if (query === "bad(") {
      return Response.json({ status: "error", errorType: "bad_data", error: "parse error" }, {
        status: 400,
      });
    }
    if (!(query in answers)) {
      return Response.json({ status: "success", data: { resultType: "vector", result: [] } });
    }
    return Response.json({ status: "success", data: answers[query] });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, seen, close: () => server.shutdown() };
}

const vector = (...items: [Record<string, string>, string][]) => ({
  resultType: "vector",
  result: items.map(([metric, value]) => ({ metric, value: [1000, value] })),
});

Deno.test("parseQueryData", async (t) => {
  await t.step("vector without __name__, special values", () => {
    const data = vector([{ __name__: "up", instance: "a" }, "1"], [{ instance: "b" }, "NaN"], [
      {},
      "+Inf",
    ]);
    const items = parseQueryData(data, "up");
    assert.deepEqual(items[0], { labels: { instance: "a" }, value: 1 });
    assert.ok(Number.isNaN(items[1].value));
    assert.equal(items[2].value, Infinity);
  });
  await t.step("scalar", () => {
    assert.deepEqual(parseQueryData({ resultType: "scalar", result: [1, "3"] }, "3"), [{
      labels: {},
      value: 3,
    }]);
  });
  await t.step("matrix is a bad_response", () => {
    assert.throws(
      () => parseQueryData({ resultType: "matrix", result: [] }, "x[1m]"),
      (e: Error) => {
        assert.ok(e instanceof PromQueryError);
        assert.equal(e.kind, "bad_response");
        return true;
      },
    );
  });
});

Deno.test("instantQuery", async (t) => {
  const prom = fakePrometheus({ "sum(x)": vector([{}, "42"]) }, 0);
  const slow = fakePrometheus({}, 500);
  try {
    await t.step("sends query, time and timeout; parses the vector", async () => {
      const v = await instantQuery(prom.url, "sum(x)", { timeoutMs: 1500, time: 1234.5 });
      assert.deepEqual(v, [{ labels: {}, value: 42 }]);
      const params = prom.seen.at(-1)!;
      assert.equal(params.get("time"), "1234.500");
      assert.equal(params.get("timeout"), "1500ms");
    });
    await t.step("a bad query is kind query with Prometheus's error", async () => {
      await assert.rejects(instantQuery(prom.url, "bad(", { timeoutMs: 1000 }), (e: Error) => {
        assert.ok(e instanceof PromQueryError);
        assert.equal(e.kind, "query");
        assert.match(e.message, /parse error/);
        return true;
      });
    });
    await t.step("no answer in time is kind timeout", async () => {
      await assert.rejects(instantQuery(slow.url, "sum(x)", { timeoutMs: 100 }), (e: Error) => {
        assert.ok(e instanceof PromQueryError);
        assert.equal(e.kind, "timeout");
        return true;
      });
    });
    await t.step("nothing listening is kind unreachable", async () => {
      const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (l.addr as Deno.NetAddr).port;
      l.close();
      await assert.rejects(
        instantQuery(`http://127.0.0.1:${port}`, "up", { timeoutMs: 1000 }),
        (e: Error) => {
          assert.ok(e instanceof PromQueryError);
          assert.equal(e.kind, "unreachable");
          return true;
        },
      );
    });
  } finally {
    await prom.close();
    await slow.close();
  }
});

Deno.test("createPrometheusSource", async (t) => {
  const answers = {
    [DEFAULT_QUERIES.p95LatencySeconds]: vector([{}, "0.25"]),
    [DEFAULT_QUERIES.arrivalRatePerSecond]: vector([{}, "12.5"]),
    [DEFAULT_QUERIES.queueLength]: vector([{}, "3"]),
    [DEFAULT_QUERIES.inFlight]: vector([{}, "4"]),
    [DEFAULT_QUERIES.podCpu]: vector([{ instance: "10.0.0.1:6000" }, "0.5"], [{
      instance: "10.0.0.2:6000",
    }, "0.25"]),
    "my_p95": vector([{}, "NaN"]),
    "count(up == 0)": vector([{}, "1"]),
  };
  const prom = fakePrometheus(answers);
  try {
    await t.step("every field, missing ones listed, targets down reported", async () => {
      const r = await createPrometheusSource({ url: prom.url, timeoutMs: 1000 }).read(1000);
      assert.deepEqual(r.values, {
        p95LatencySeconds: 0.25,
        arrivalRatePerSecond: 12.5,
        queueLength: 3,
        inFlight: 4,
      });
      assert.deepEqual(r.podCpuCores, { "10.0.0.1:6000": 0.5, "10.0.0.2:6000": 0.25 });
      assert.deepEqual(r.missing, ["throughputPerSecond"]);
      assert.deepEqual(r.down, ["1 target(s) with up == 0"]);
    });
    await t.step("a configured query; NaN (idle) is absent but not missing", async () => {
      const source = createPrometheusSource({
        url: prom.url,
        timeoutMs: 1000,
        queries: { p95LatencySeconds: "my_p95" },
      });
      const r = await source.read(1000);
      assert.equal(r.values.p95LatencySeconds, undefined);
      assert.ok(!r.missing.includes("p95LatencySeconds"));
    });
    await t.step("Prometheus unreachable: every field missing, errors name the query", async () => {
      const r = await createPrometheusSource({ url: "http://127.0.0.1:9", timeoutMs: 500 }).read(
        1000,
      );
      assert.equal(r.missing.length, 6);
      assert.match(r.errors[0], /prometheus query .* failed \(unreachable\)/);
    });
  } finally {
    await prom.close();
  }
});

Deno.test("dry-run actuator", async (t) => {
  await t.step("logs the clamped decision and changes nothing", async () => {
    const events: unknown[] = [];
    const a = createDryRunActuator({
      replicas: 3,
      min: 1,
      max: 5,
      log: (e, f) => events.push([e, f]),
    });
    assert.deepEqual(await a.scale(9), { from: 3, to: 5, changed: false });
    assert.equal(await a.current(), 3);
    assert.deepEqual(events, [["would_scale", { from: 3, to: 5 }]]);
    assert.equal(await a.pods(), undefined);
  });
});
