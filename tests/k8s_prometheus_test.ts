/**
 * k8s/base/prometheus: `promtool check config` and `check rules` (Debian's promtool), promtool
 * unit tests of the recording rules and the SLO alert, and the scrape config's relabelling
 * applied to the rendered pods, so the job and pod labels the autoscaler's queries and the
 * dashboard select are the ones Prometheus would attach.
 *
 * Debian's prometheus package is built without Kubernetes service discovery, so its promtool
 * refuses `kubernetes_sd_configs`; the config is then checked with that block replaced by an
 * equivalent `static_configs` (everything else, relabelling included, checked as written), and
 * the discovery block itself is checked here against the role's documented meta labels.
 */
import assert from "node:assert/strict";
import { ROOT } from "../scripts/compile.ts";
import { objectKey, parseYamlDocuments, render } from "./support/kustomize.ts";

const DIR = `${ROOT}k8s/base/prometheus`;
// deno-lint-ignore no-explicit-any
type Obj = Record<string, any>;

const hasPromtool = await new Deno.Command("promtool", { args: ["--version"], stdout: "null" })
  .output().then((o) => o.success).catch(() => false);

async function promtool(args: string[], cwd: string): Promise<{ ok: boolean; text: string }> {
  const out = await new Deno.Command("promtool", { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const d = new TextDecoder();
  return { ok: out.success, text: d.decode(out.stdout) + d.decode(out.stderr) };
}

/** The meta labels Prometheus documents for `kubernetes_sd_configs` role `pod`. */
const POD_META = [
  /^__meta_kubernetes_namespace$/,
  /^__meta_kubernetes_pod_(name|ip|ready|phase|node_name|host_ip|uid|controller_kind|controller_name)$/,
  /^__meta_kubernetes_pod_(label|labelpresent|annotation|annotationpresent)_[a-zA-Z0-9_]+$/,
  /^__meta_kubernetes_pod_container_(init|name|id|image|port_name|port_number|port_protocol)$/,
];

/** Prometheus relabelling (replace, keep, drop), for the actions the config uses. */
export function relabel(
  labels: Record<string, string>,
  rules: Obj[],
): Record<string, string> | null {
  const out = { ...labels };
  for (const r of rules) {
    const value = (r.source_labels ?? []).map((l: string) => out[l] ?? "").join(r.separator ?? ";");
    const re = new RegExp(`^(?:${r.regex ?? "(.*)"})$`);
    const action = r.action ?? "replace";
    const m = re.exec(value);
    if (action === "keep" && !m) return null;
    if (action === "drop" && m) return null;
    if (action === "replace" && m) {
      const replacement = String(r.replacement ?? "$1").replace(/\$(\d+)/g, (_, i) => m[i] ?? "");
      if (replacement === "") delete out[r.target_label];
      else out[r.target_label] = replacement;
    }
  }
  return out;
}

/** The discovery labels of each container port of `pod` (what role `pod` produces). */
function podTargets(workload: Obj, podName: string): Record<string, string>[] {
  const t = workload.spec.template;
  const base: Record<string, string> = {
    __meta_kubernetes_namespace: workload.metadata.namespace,
    __meta_kubernetes_pod_name: podName,
    __meta_kubernetes_pod_phase: "Running",
  };
  for (const [k, v] of Object.entries(t.metadata.labels ?? {})) {
    base[`__meta_kubernetes_pod_label_${k.replace(/[^a-zA-Z0-9_]/g, "_")}`] = String(v);
  }
  for (const [k, v] of Object.entries(t.metadata.annotations ?? {})) {
    base[`__meta_kubernetes_pod_annotation_${k.replace(/[^a-zA-Z0-9_]/g, "_")}`] = String(v);
  }
  return t.spec.containers.flatMap((c: Obj) =>
    (c.ports ?? []).map((p: Obj) => ({
      ...base,
      __address__: `10.0.0.1:${p.containerPort}`,
      __meta_kubernetes_pod_container_name: c.name,
      __meta_kubernetes_pod_container_port_name: p.name ?? "",
      __meta_kubernetes_pod_container_port_number: String(p.containerPort),
    }))
  );
}

const configText = await Deno.readTextFile(`${DIR}/prometheus.yml`);
const config = parseYamlDocuments(configText, "prometheus.yml")[0] as Obj;

Deno.test({
  name: "promtool checks the Prometheus config and rules",
  ignore: !hasPromtool,
  async fn(t) {
    const tmp = await Deno.makeTempDir({ prefix: "promtool_" });
    try {
      await Deno.copyFile(`${DIR}/rules.yml`, `${tmp}/rules.yml`);
      await t.step("promtool check rules", async () => {
        const r = await promtool(["check", "rules", "rules.yml"], tmp);
        assert.ok(r.ok, r.text);
      });
      await t.step("promtool check config", async () => {
        // rule_files point into the ConfigMap mount; check them from the copy beside it.
        const local = structuredClone(config);
        local.rule_files = local.rule_files.map((p: string) => p.split("/").at(-1));
        await Deno.writeTextFile(`${tmp}/prometheus.yml`, JSON.stringify(local));
        let r = await promtool(["check", "config", "prometheus.yml"], tmp);
        if (!r.ok && /field kubernetes_sd_configs not found/.test(r.text)) {
          console.log("  (this promtool has no Kubernetes discovery: checked with static_configs)");
          for (const job of local.scrape_configs) {
            if (!job.kubernetes_sd_configs) continue;
            delete job.kubernetes_sd_configs;
            job.static_configs = [{ targets: ["127.0.0.1:1"] }];
          }
          await Deno.writeTextFile(`${tmp}/prometheus.yml`, JSON.stringify(local));
          r = await promtool(["check", "config", "prometheus.yml"], tmp);
        }
        assert.ok(r.ok, r.text);
        assert.match(r.text, /SUCCESS/);
      });
      await t.step("promtool test rules: sums over dispatchers, p95, SLO alert", async () => {
        const test = {
          rule_files: ["rules.yml"],
          evaluation_interval: "5s",
          tests: [{
            interval: "15s",
            input_series: [
              {
                series: 'dispatcher_enqueued_requests_total{job="dispatcher",pod="dispatcher-0"}',
                values: "0+150x20",
              },
              {
                series: 'dispatcher_enqueued_requests_total{job="dispatcher",pod="dispatcher-1"}',
                values: "0+75x20",
              },
              { series: 'dispatcher_queue_length{pod="dispatcher-0"}', values: "3x20" },
              { series: 'dispatcher_queue_length{pod="dispatcher-1"}', values: "4x20" },
              // Every request takes between 0.5 s and 1 s: p95 interpolates to 0.975 s.
              {
                series: 'dispatcher_request_duration_seconds_bucket{code="200",le="0.5"}',
                values: "0x20",
              },
              {
                series: 'dispatcher_request_duration_seconds_bucket{code="200",le="1"}',
                values: "0+15x20",
              },
              {
                series: 'dispatcher_request_duration_seconds_bucket{code="200",le="+Inf"}',
                values: "0+15x20",
              },
              {
                series: 'dispatcher_request_duration_seconds_count{code="200"}',
                values: "0+15x20",
              },
            ],
            promql_expr_test: [
              {
                expr: "resnet:arrival_rate:1m",
                eval_time: "5m",
                exp_samples: [{ labels: "resnet:arrival_rate:1m", value: 15 }],
              },
              {
                expr: "resnet:queue_length",
                eval_time: "5m",
                exp_samples: [{ labels: "resnet:queue_length", value: 7 }],
              },
              {
                expr: "resnet:dispatcher_latency_seconds:p95_1m",
                eval_time: "5m",
                exp_samples: [{ labels: "resnet:dispatcher_latency_seconds:p95_1m", value: 0.975 }],
              },
              {
                expr: "resnet:slo_violation_ratio:1m",
                eval_time: "5m",
                exp_samples: [{ labels: "resnet:slo_violation_ratio:1m", value: 1 }],
              },
            ],
            alert_rule_test: [
              { alertname: "LatencySLOViolated", eval_time: "1m", exp_alerts: [] },
              {
                alertname: "LatencySLOViolated",
                eval_time: "4m",
                exp_alerts: [{
                  exp_labels: { severity: "warning" },
                  exp_annotations: {
                    summary: "p95 latency through the dispatchers is 975ms, over the 500 ms SLO",
                  },
                }],
              },
            ],
          }],
        };
        await Deno.writeTextFile(`${tmp}/rules_test.yml`, JSON.stringify(test));
        const r = await promtool(["test", "rules", "rules_test.yml"], tmp);
        assert.ok(r.ok, r.text);
      });
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

Deno.test("the scrape config finds the pods the overlays run, with the labels queries use", async (t) => {
  const job = config.scrape_configs.find((s: Obj) => s.kubernetes_sd_configs);
  await t.step("discovery: role pod in the namespace; only the role's meta labels", () => {
    assert.deepEqual(job.kubernetes_sd_configs, [{
      role: "pod",
      namespaces: { names: ["resnet"] },
    }]);
    for (const r of job.relabel_configs) {
      for (const l of r.source_labels ?? []) {
        if (l.startsWith("__meta_")) assert.ok(POD_META.some((re) => re.test(l)), l);
      }
    }
  });
  const cpa = await render(`${ROOT}k8s/overlays/cpa`);
  const find = (key: string) => cpa.find((o) => objectKey(o) === key) as Obj;
  const scraped = (workload: Obj, pod: string) =>
    podTargets(workload, pod).map((l) => relabel(l, job.relabel_configs)).filter((x) =>
      x !== null
    ) as Record<string, string>[];
  await t.step("replica pod: job replica, pod label, port 6000", () => {
    const targets = scraped(find("Deployment/resnet/replica"), "replica-abc");
    assert.deepEqual(targets.map((x) => [x.job, x.pod, x.__address__]), [
      ["replica", "replica-abc", "10.0.0.1:6000"],
    ]);
  });
  await t.step("dispatcher-0: job dispatcher and the acting autoscaler", () => {
    const targets = scraped(find("StatefulSet/resnet/dispatcher"), "dispatcher-0");
    assert.deepEqual(targets.map((x) => [x.job, x.__address__]).sort(), [
      ["autoscaler", "10.0.0.1:5000"],
      ["dispatcher", "10.0.0.1:5052"],
    ]);
  });
  await t.step("dispatcher-1 and dispatcher-12: the dispatcher only (their sidecar idles)", () => {
    for (const pod of ["dispatcher-1", "dispatcher-12"]) {
      const targets = scraped(find("StatefulSet/resnet/dispatcher"), pod);
      assert.deepEqual(targets.map((x) => x.job), ["dispatcher"]);
    }
  });
  await t.step("Prometheus and Grafana pods are not scraped by the pod job", () => {
    for (const key of ["Deployment/resnet/prometheus", "Deployment/resnet/grafana"]) {
      assert.deepEqual(scraped(find(key), "x"), []);
    }
  });
});
