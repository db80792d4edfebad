/**
 * The Grafana dashboard, the Prometheus rules and the CPA overlay's queries use only metric names
 * the code exports: names are collected from the `/metrics` of real replica, dispatcher and
 * autoscaler processes (HELP/TYPE lines, so a labelled counter with no sample yet counts). Then a
 * real Prometheus scrapes those processes with the rules loaded, and every dashboard query is
 * evaluated: all must parse, and the panels for traffic, latency, queue, batch size, CPU and
 * replicas must return data after a few requests.
 */
import assert from "node:assert/strict";
import { ROOT } from "../scripts/compile.ts";
import { parseYamlDocuments } from "./support/kustomize.ts";
import { freePort, prometheusOnPath, startPrometheus } from "../lib/metrics/mod.ts";
import { type Started, startScript } from "./support/process.ts";

// deno-lint-ignore no-explicit-any
type Obj = Record<string, any>;

const dashboard = JSON.parse(await Deno.readTextFile(`${ROOT}k8s/base/grafana/dashboard.json`));
const rules = parseYamlDocuments(
  await Deno.readTextFile(`${ROOT}k8s/base/prometheus/rules.yml`),
  "rules.yml",
)[0] as Obj;
const queries: Record<string, string> = JSON.parse(
  await Deno.readTextFile(`${ROOT}k8s/overlays/cpa/queries.json`),
);

const dashboardExprs: { panel: string; expr: string }[] = dashboard.panels.flatMap((p: Obj) =>
  p.targets.map((t: Obj) => ({ panel: p.title, expr: t.expr }))
);
const ruleEntries: Obj[] = rules.groups.flatMap((g: Obj) => g.rules);
const recorded = new Set(ruleEntries.filter((r) => r.record).map((r) => r.record as string));

const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "and",
  "or",
  "unless",
  "offset",
  "inf",
  "nan",
]);

/** Metric names in a PromQL expression (functions, labels, keywords, numbers and $vars removed). */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""') // strings
    .replace(/\{[^}]*\}/g, " ") // label matchers
    .replace(/\[[^\]]*\]/g, " ") // ranges
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ") // groupings
    .replace(/\$[A-Za-z_]\w*/g, " ") // Grafana variables
    .replace(/(?<![\w:])\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi, " "); // numbers
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][\w:]*/g)) {
    const rest = stripped.slice(m.index! + m[0].length);
    if (/^\s*\(/.test(rest)) continue; // a function call
    if (KEYWORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}

/** Families named in a Prometheus text exposition (TYPE/HELP lines and samples). */
function exposedNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split("\n")) {
    const meta = /^# (?:TYPE|HELP) (\S+)/.exec(line);
    if (meta) out.add(meta[1]);
    else if (line && !line.startsWith("#")) out.add(line.split(/[{\s]/)[0]);
  }
  return out;
}

function exported(name: string, names: Set<string>): boolean {
  if (names.has(name) || recorded.has(name) || name === "up") return true;
  const base = name.replace(/_(bucket|sum|count)$/, "");
  return base !== name && names.has(base);
}

Deno.test("metricNames extracts names, not functions, labels or variables", () => {
  assert.deepEqual(
    metricNames(
      'histogram_quantile(0.95, sum by (le) (rate(x_bucket{code="200",le=~"a b"}[$__rate_interval])))',
    ),
    ["x_bucket"],
  );
  assert.deepEqual(metricNames("sum(a) - sum(b_total) / $cores * 1e-9 + c:d:e"), [
    "a",
    "b_total",
    "c:d:e",
  ]);
  assert.deepEqual(metricNames('count(up{job="replica"} == 1) or vector(0)'), ["up"]);
});

Deno.test("dashboard, rules and queries use exported metric names; Prometheus runs them", async (t) => {
  const procs: Started[] = [];
  let stopProm: (() => Promise<void>) | undefined;
  try {
    // Ports chosen up front, so Prometheus (first scrape ~5 s after its start) starts first.
    const ports = { replica: freePort(), d0: freePort(), d1: freePort(), autoscaler: freePort() };
    const at = (port: number) => `127.0.0.1:${port}`;
    const prom = await prometheusOnPath()
      ? await startPrometheus({
        jobs: {
          replica: [at(ports.replica)],
          dispatcher: [at(ports.d0), at(ports.d1)],
          autoscaler: [at(ports.autoscaler)],
        },
      }, { ruleFiles: [`${ROOT}k8s/base/prometheus/rules.yml`] })
      : undefined;
    stopProm = prom?.dispose;
    const replica = await startScript("replica.ts", [
      `--port=${ports.replica}`,
      "--backend=wasm",
      "--threads=1",
      "--max-batch=2",
      "--host=127.0.0.1",
    ]);
    procs.push(replica);
    const dispatchers = [];
    for (const port of [ports.d0, ports.d1]) {
      const d = await startScript("dispatcher.ts", [
        `--port=${port}`,
        "--host=127.0.0.1",
        `--replicas=${replica.url}`,
        "--health-interval-s=0.2",
      ]);
      procs.push(d);
      dispatchers.push(d);
    }
    const autoscaler = await startScript("autoscaler.ts", [
      "run",
      `--port=${ports.autoscaler}`,
      "--host=127.0.0.1",
      "--actuator=dry-run",
      "--interval=0.5",
      "--scrape-interval=0.5",
      `--dispatcher=${dispatchers.map((d) => d.url).join(",")}`,
      "--decision-log=/dev/null",
    ]);
    procs.push(autoscaler);
    const jpeg = await Deno.readFile(`${ROOT}testdata/images/rocket.jpg`);
    const send = async (d: Started) => {
      for (let i = 0; i < 40; i++) {
        const res = await fetch(`${d.url}/predict`, {
          method: "POST",
          body: jpeg,
          headers: { "content-type": "image/jpeg" },
        });
        await res.body?.cancel();
        if (res.status === 200) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${d.url} never answered 200`);
    };
    for (const d of dispatchers) await send(d);

    const names = new Set<string>();
    for (const p of procs) {
      const res = await fetch(`${p.url}/metrics`);
      assert.equal(res.status, 200);
      for (const n of exposedNames(await res.text())) names.add(n);
    }

    const sources = [
      ...dashboardExprs.map((d) => ({ where: `dashboard "${d.panel}"`, expr: d.expr })),
      ...ruleEntries.map((r) => ({ where: `rule ${r.record ?? r.alert}`, expr: String(r.expr) })),
      ...Object.entries(queries).map(([k, q]) => ({ where: `cpa query ${k}`, expr: q })),
    ];
    await t.step(`${sources.length} expressions name only exported metrics`, () => {
      const missing = sources.flatMap((s) =>
        metricNames(s.expr).filter((n) => !exported(n, names)).map((n) => `${s.where}: ${n}`)
      );
      assert.deepEqual(missing, []);
    });
    await t.step("the issue's panels are all there", () => {
      const all = dashboardExprs.map((d) => d.expr).join("\n");
      for (
        const m of [
          "dispatcher_enqueued_requests_total",
          "dispatcher_queue_length",
          "dispatcher_request_duration_seconds_bucket",
          "inference_latency_seconds_bucket",
          "inference_batch_size_bucket",
          "autoscaler_desired_replicas",
          "autoscaler_current_replicas",
          "process_cpu_seconds_total",
          "dispatcher_rejected_total",
        ]
      ) assert.ok(all.includes(m), m);
      assert.ok(!all.includes("kube_"), "no kube-state-metrics is deployed");
    });

    if (!prom) {
      console.log("  (no prometheus binary: the queries were not evaluated)");
      return;
    }
    {
      const vars: Record<string, string> = { __rate_interval: "30s" };
      for (const v of dashboard.templating.list) vars[v.name] = v.query;
      const resolve = (expr: string) =>
        expr.replace(/\$(\w+)/g, (_, name) => {
          if (!(name in vars)) throw new Error(`undefined dashboard variable $${name}`);
          return vars[name];
        });
      const until = Date.now() + 20_000;
      while ((await prom.query("count(up == 1)"))[0]?.value[1] !== "4") {
        if (Date.now() > until) throw new Error("prometheus never scraped all 4 targets");
        await new Promise((r) => setTimeout(r, 200));
      }
      // Three scrapes with traffic in between, so rates have two samples.
      for (let i = 0; i < 3; i++) {
        for (const d of dispatchers) await send(d);
        await new Promise((r) => setTimeout(r, 1100));
      }
      await t.step("every dashboard query parses and runs", async () => {
        for (const d of dashboardExprs) await prom.query(resolve(d.expr));
      });
      await t.step(
        "traffic, latency, queue, batch, CPU and replica panels return data",
        async () => {
          const wanted = [
            "sum(rate(dispatcher_enqueued_requests_total[$__rate_interval]))",
            "histogram_quantile(0.95, sum by (le) (rate(dispatcher_request_duration_seconds_bucket[$__rate_interval])))",
            "histogram_quantile(0.95, sum by (le) (rate(inference_latency_seconds_bucket[$__rate_interval])))",
            "sum(dispatcher_queue_length)",
            "sum(rate(inference_batch_size_sum[$__rate_interval])) / sum(rate(inference_batch_size_count[$__rate_interval]))",
            'sum by (pod) (rate(process_cpu_seconds_total{job="replica"}[$__rate_interval])) / $cpu_request_cores',
            "max(autoscaler_desired_replicas)",
            'max(dispatcher_replicas{state="ready"})',
          ];
          for (const w of wanted) {
            assert.ok(dashboardExprs.some((d) => d.expr === w), `not in the dashboard: ${w}`);
            const result = await prom.query(resolve(w));
            assert.ok(result.length > 0, `no data: ${w}`);
            assert.ok(Number.isFinite(Number(result[0].value[1])), `${w}: ${result[0].value[1]}`);
          }
          const arrivals = await prom.query(
            "sum by (instance) (rate(dispatcher_enqueued_requests_total[30s]))",
          );
          assert.equal(arrivals.length, 2, "both dispatchers counted");
        },
      );
    }
  } finally {
    await stopProm?.();
    for (const p of procs.reverse()) await p.stop();
  }
});
