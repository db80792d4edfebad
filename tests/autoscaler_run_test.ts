/**
 * `autoscaler.ts run`: the HTTP app in-process (CPA REST API v1 and /metrics with no socket),
 * flag errors, and one short live run as real processes — dispatcher, autoscaler with the local
 * actuator (metric-exposing stand-in replicas so the test stays light), load — scaling 1 → 2.
 */
import assert from "node:assert/strict";
import type { Actuator } from "../lib/actuator/mod.ts";
import { createApp, createController, windowSpec } from "../lib/autoscaler/mod.ts";
import { autoscalerMetrics, createRegistry, type MetricReading } from "../lib/metrics/mod.ts";
import { type Started, startScript } from "./support/process.ts";

function fakeApp(reading: MetricReading) {
  const scaled: number[] = [];
  let replicas = 2;
  const actuator: Actuator = {
    kind: "fake",
    current: () => Promise.resolve(replicas),
    scale(n) {
      scaled.push(n);
      const from = replicas;
      replicas = n;
      return Promise.resolve({ from, to: n, changed: true });
    },
    pods: () => Promise.resolve(undefined),
    close: () => Promise.resolve(),
  };
  const registry = createRegistry();
  const lines: string[] = [];
  const controller = createController({
    tick: {
      policy: "queue",
      spec: { minReplicas: 1, maxReplicas: 10, targetPerReplica: 2 },
      source: { kind: "scrape", read: () => Promise.resolve(reading) },
      actuator,
      backoff: { baseS: 15, maxS: 300 },
      windowS: 60,
    },
    metrics: autoscalerMetrics(registry),
    writeDecision: (line) => {
      lines.push(line);
    },
    log: () => {},
  });
  const app = createApp({ controller, registry, resource: "replicas", now: () => 1_000_000 });
  return { app, scaled, lines };
}

const BUSY: MetricReading = {
  values: { queueLength: 8, inFlight: 4 },
  podCpuCores: {},
  missing: [],
  down: [],
  errors: [],
};

Deno.test("autoscaler app", async (t) => {
  await t.step(
    "GET /api/v1/metrics returns the reading as the CPA framework shapes it",
    async () => {
      const { app } = fakeApp(BUSY);
      const res = await app.request("/api/v1/metrics");
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.equal(body.resource, "replicas");
      assert.equal(body.run_type, "api");
      const value = JSON.parse(body.metrics[0].value);
      assert.equal(value.observation.queueLength, 8);
      assert.equal(value.observation.currentReplicas, 2);
    },
  );
  await t.step("POST /api/v1/evaluation?dry_run=true decides without scaling", async () => {
    const { app, scaled, lines } = fakeApp(BUSY);
    const res = await app.request("/api/v1/evaluation?dry_run=true", { method: "POST" });
    const body = await res.json();
    assert.equal(res.status, 200);
    assert.equal(body.targetReplicas, 6);
    assert.equal(body.target_replicas, 6);
    assert.deepEqual(scaled, []);
    assert.equal(JSON.parse(lines[0]).dry_run, true);
  });
  await t.step("POST /api/v1/evaluation scales", async () => {
    const { app, scaled } = fakeApp(BUSY);
    const res = await app.request("/api/v1/evaluation", { method: "POST" });
    assert.equal((await res.json()).targetReplicas, 6);
    assert.deepEqual(scaled, [6]);
  });
  await t.step("a non-boolean dry_run is 400 with the framework's message", async () => {
    const { app } = fakeApp(BUSY);
    const res = await app.request("/api/v1/evaluation?dry_run=maybe", { method: "POST" });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), {
      message: "Invalid format for 'dry_run' query parameter; 'maybe' is not a valid boolean value",
      code: 400,
    });
  });
  await t.step("/metrics exposes the autoscaler metrics after a tick", async () => {
    const { app } = fakeApp({ ...BUSY, values: {}, missing: ["queueLength", "inFlight"] });
    await app.request("/api/v1/evaluation", { method: "POST" });
    const text = await (await app.request("/metrics")).text();
    assert.match(text, /^autoscaler_desired_replicas 2$/m);
    assert.match(text, /^autoscaler_current_replicas 2$/m);
    assert.match(
      text,
      /^autoscaler_decisions_total\{policy="queue",reason="MetricsUnavailable"\} 1$/m,
    );
    assert.match(text, /^autoscaler_metric_errors_total 1$/m);
  });
});

Deno.test("autoscaler run: bad flags exit 2 with the flag named", async (t) => {
  for (
    const [name, args, pattern] of [
      ["unknown policy", ["--policy=nope"], /--policy must be one of/],
      ["min above max", ["--min=5", "--max=2"], /--min must not exceed --max/],
      [
        "bad spec",
        ['--spec={"targetPerReplica": -1}', "--policy=queue"],
        /--spec: spec.targetPerReplica/,
      ],
    ] as const
  ) {
    await t.step(name, async () => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "autoscaler.ts", "run", "--port=0", ...args],
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.equal(out.code, 2);
      assert.match(new TextDecoder().decode(out.stderr), pattern);
    });
  }
});

Deno.test({
  name: "autoscaler run: live 1 → 2 under load with the local actuator",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const decisions = `${dir}/decisions.jsonl`;
    let dispatcher: Started | undefined, autoscaler: Started | undefined;
    const stop = new AbortController();
    try {
      dispatcher = await startScript("dispatcher.ts", [
        "--host=127.0.0.1",
        "--port=0",
        "--health-interval-s=0.2",
      ]);
      autoscaler = await startScript("autoscaler.ts", [
        "run",
        "--port=0",
        "--host=127.0.0.1",
        "--policy=queue",
        '--spec={"targetPerReplica": 2}',
        "--interval=1",
        "--scrape-interval=0.5",
        "--window-s=5",
        "--min=1",
        "--max=2",
        `--dispatcher=${dispatcher.url}`,
        "--actuator=local",
        "--replica-script=tests/support/metrics_stub_replica.ts",
        "--replica-args=--base-ms=100",
        `--decision-log=${decisions}`,
      ]);
      const replicas = async () => {
        const body = await fetch(`${dispatcher!.url}/admin/replicas`).then((r) => r.json());
        return body.replicas.filter((r: { state: string }) => r.state === "ready").length;
      };
      const waitReplicas = async (n: number, ms: number) => {
        const until = Date.now() + ms;
        while (await replicas() !== n) {
          if (Date.now() > until) throw new Error(`not ${n} ready replicas in ${ms} ms`);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      await waitReplicas(1, 30_000);
      // ~275 ms per request at 20/s keeps ~5 requests in flight: queue policy wants 3, max 2
      const load = (async () => {
        const start = performance.now();
        for (let i = 0; !stop.signal.aborted; i++) {
          const wait = start + i * 50 - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          fetch(`${dispatcher!.url}/predict`, { method: "POST", body: "x" }).then((r) =>
            r.body?.cancel()
          ).catch(() => {});
        }
      })();
      await waitReplicas(2, 30_000);
      stop.abort();
      await load;
      const lines = (await Deno.readTextFile(decisions)).trim().split("\n").map((l) =>
        JSON.parse(l)
      );
      const scaled = lines.find((l) => l.actuation === "scaled");
      assert.ok(scaled, `no scaled decision in ${lines.length} lines`);
      assert.deepEqual([scaled.current, scaled.desired], [1, 2]);
      assert.ok(scaled.inputs.inFlight + scaled.inputs.queueLength > 2);
      const text = await fetch(`${autoscaler.url}/metrics`).then((r) => r.text());
      assert.match(text, /^autoscaler_desired_replicas 2$/m);
      const evaluation = await fetch(`${autoscaler.url}/api/v1/evaluation?dry_run=true`, {
        method: "POST",
      });
      assert.equal(evaluation.status, 200);
      assert.ok((await evaluation.json()).targetReplicas >= 1);
    } finally {
      stop.abort();
      const status: Deno.CommandStatus | undefined = autoscaler
        ? await autoscaler.stop()
        : undefined;
      if (status) assert.equal(status.code, 0);
      if (dispatcher) {
        const left = await fetch(`${dispatcher.url}/admin/replicas`).then((r) => r.json());
        assert.deepEqual(left.replicas, [], "the autoscaler stops its replicas on SIGTERM");
        await dispatcher.stop();
      }
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("windowSpec: cpa learns the scraper's rate window, not Prometheus' or other policies", () => {
  assert.deepEqual(windowSpec("cpa", "scrape", 15), { rateWindowSeconds: 15 });
  assert.deepEqual(windowSpec("cpa", "prometheus", 15), {});
  assert.deepEqual(windowSpec("hpa", "scrape", 15), {});
});
