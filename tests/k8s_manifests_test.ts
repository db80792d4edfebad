/**
 * k8s/: the rendered overlays contain exactly the expected objects, every object validates
 * against the Kubernetes OpenAPI schemas (kubernetes-models) and has no field the API does not
 * know (@kubernetes/client-node's models), and ports, probes, selectors, flags, CPU requests,
 * scaling bounds and RBAC agree with the code's defaults and with each other.
 *
 * Rendering uses tests/support/kustomize.ts; where `kubectl` (with its built-in kustomize) is
 * installed, its output must be identical.
 */
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import * as k8s from "@kubernetes/client-node";
import { parseFlags } from "../lib/shared/mod.ts";
import { DEFAULT_QUERIES } from "../lib/metrics/mod.ts";
import { resolveSpec } from "../lib/policy/mod.ts";
import { AUTOSCALER_FLAGS } from "../lib/autoscaler/mod.ts";
import { DISPATCHER_FLAGS } from "../dispatcher.ts";
import { REPLICA_FLAGS } from "../replica.ts";
import { ENTRIES, ROOT } from "../scripts/compile.ts";
import { type KObject, objectKey, parseYamlDocuments, render } from "./support/kustomize.ts";

const K8S = `${ROOT}k8s`;
const NS = "resnet";
const IMAGE = "resnet-hpa-cpa:dev";

const BASE_OBJECTS = [
  "Namespace//resnet",
  "Deployment/resnet/replica",
  "Service/resnet/replica",
  "StatefulSet/resnet/dispatcher",
  "Service/resnet/dispatcher",
  "Service/resnet/dispatcher-pods",
  "ServiceAccount/resnet/dispatcher",
  "Role/resnet/endpointslice-reader",
  "RoleBinding/resnet/dispatcher-endpointslice-reader",
  "HorizontalPodAutoscaler/resnet/dispatcher",
  "Deployment/resnet/prometheus",
  "Service/resnet/prometheus",
  "ServiceAccount/resnet/prometheus",
  "Role/resnet/prometheus-pod-reader",
  "RoleBinding/resnet/prometheus-pod-reader",
  "Deployment/resnet/grafana",
  "Service/resnet/grafana",
  "Job/resnet/loadtest",
  "ConfigMap/resnet/prometheus-config",
  "ConfigMap/resnet/grafana-provisioning",
  "ConfigMap/resnet/grafana-dashboards",
];

const EXPECTED: Record<string, string[]> = {
  base: BASE_OBJECTS,
  "overlays/hpa": [...BASE_OBJECTS, "HorizontalPodAutoscaler/resnet/replica"],
  "overlays/cpa": [
    ...BASE_OBJECTS,
    "ServiceAccount/resnet/autoscaler",
    "Role/resnet/replica-scaler",
    "Role/resnet/replica-pod-reader",
    "RoleBinding/resnet/autoscaler-replica-scaler",
    "RoleBinding/resnet/autoscaler-replica-pod-reader",
    "RoleBinding/resnet/autoscaler-endpointslice-reader",
    "ConfigMap/resnet/autoscaler-config",
  ],
};

const rendered: Record<string, KObject[]> = {};
for (const dir of Object.keys(EXPECTED)) rendered[dir] = await render(`${K8S}/${dir}`);

// deno-lint-ignore no-explicit-any
type Obj = Record<string, any>;

function get(dir: string, key: string): Obj {
  const o = rendered[dir].find((x) => objectKey(x) === key);
  if (!o) throw new Error(`${dir}: no ${key}`);
  return o as Obj;
}

function container(workload: Obj, name: string): Obj {
  const c = workload.spec.template.spec.containers.find((x: Obj) => x.name === name);
  if (!c) throw new Error(`${workload.metadata.name}: no container ${name}`);
  return c;
}

/** The container's env as a map; fieldRef values become `<fieldPath>`. */
function envOf(c: Obj): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of c.env ?? []) {
    out[e.name] = e.value ?? `<${e.valueFrom?.fieldRef?.fieldPath ?? "ref"}>`;
  }
  return out;
}

function port(c: Obj, name: string): number {
  const p = (c.ports ?? []).find((x: Obj) => x.name === name);
  if (!p) throw new Error(`${c.name}: no port named ${name}`);
  return p.containerPort;
}

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** Kubernetes' model class for an apiVersion/kind, from kubernetes-models. */
async function modelClass(apiVersion: string, kind: string) {
  const path = apiVersion.includes("/") ? apiVersion : `v1`;
  const module = await import(`kubernetes-models/${path}/${kind}`);
  return module[kind] as new (data: unknown) => { validate(): void };
}

/** Fields the API does not define, walking @kubernetes/client-node's attribute type maps. */
function unknownFields(value: unknown, type: string, at: string): string[] {
  if (value === null || value === undefined) return [];
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    return Array.isArray(value)
      ? value.flatMap((v, i) => unknownFields(v, array[1], `${at}[${i}]`))
      : [`${at}: expected a list`];
  }
  if (type.startsWith("{ [key: string]: ")) {
    const inner = type.slice("{ [key: string]: ".length, -3);
    return Object.entries(value as Obj).flatMap(([k, v]) => unknownFields(v, inner, `${at}.${k}`));
  }
  // deno-lint-ignore no-explicit-any
  const model = (k8s as any)[type];
  if (typeof model?.getAttributeTypeMap !== "function") return [];
  if (typeof value !== "object" || Array.isArray(value)) return [`${at}: expected an object`];
  const map: { baseName: string; type: string }[] = model.getAttributeTypeMap();
  const out: string[] = [];
  for (const [k, v] of Object.entries(value as Obj)) {
    const field = map.find((f) => f.baseName === k);
    if (!field) out.push(`${at}.${k}`);
    else out.push(...unknownFields(v, field.type, `${at}.${k}`));
  }
  return out;
}

function clientModelName(apiVersion: string, kind: string): string {
  const version = apiVersion.split("/").at(-1)!;
  return `${version[0].toUpperCase()}${version.slice(1)}${kind}`;
}

function ours(dir: string): Obj[] {
  return rendered[dir].filter((o) =>
    ["Deployment", "StatefulSet", "Job"].includes(o.kind)
  ) as Obj[];
}

function podContainers(w: Obj): Obj[] {
  return [...(w.spec.template.spec.initContainers ?? []), ...w.spec.template.spec.containers];
}

Deno.test("kustomize: each overlay renders exactly the expected objects", async (t) => {
  for (const [dir, expected] of Object.entries(EXPECTED)) {
    await t.step(dir, () => {
      assert.deepEqual(rendered[dir].map(objectKey).sort(), [...expected].sort());
    });
  }
  const kubectl = await new Deno.Command("kubectl", {
    args: ["version", "--client"],
    stdout: "null",
    stderr: "null",
  }).output().then((o) => o.success).catch(() => false);
  for (const dir of Object.keys(EXPECTED)) {
    await t.step({
      name: `${dir}: identical to kubectl kustomize`,
      ignore: !kubectl,
      fn: async () => {
        const out = await new Deno.Command("kubectl", {
          args: ["kustomize", `${K8S}/${dir}`],
          stdout: "piped",
          stderr: "piped",
        }).output();
        assert.ok(out.success, new TextDecoder().decode(out.stderr));
        const theirs = parseYamlDocuments(new TextDecoder().decode(out.stdout), "kubectl")
          .map((d) => d as unknown as KObject);
        const byKey = new Map(theirs.map((o) => [objectKey(o), o]));
        assert.deepEqual([...byKey.keys()].sort(), rendered[dir].map(objectKey).sort());
        for (const o of rendered[dir]) {
          assert.ok(isDeepStrictEqual(o, byKey.get(objectKey(o))), `${objectKey(o)} differs`);
        }
      },
    });
  }
});

Deno.test("schemas: every object validates and has no unknown field", async (t) => {
  const all = new Map<string, KObject>();
  for (const objects of Object.values(rendered)) for (const o of objects) all.set(objectKey(o), o);
  for (const [key, o] of all) {
    await t.step(key, async () => {
      const Model = await modelClass(o.apiVersion, o.kind);
      new Model(o).validate();
      const unknown = unknownFields(o, clientModelName(o.apiVersion, o.kind), o.kind);
      assert.deepEqual(unknown, [], `fields the API does not define: ${unknown.join(", ")}`);
    });
  }
  await t.step("a misspelt field is caught", () => {
    const bad = structuredClone(get("base", "Deployment/resnet/replica"));
    bad.spec.template.spec.containers[0].readinesProbe = {};
    assert.deepEqual(unknownFields(bad, "V1Deployment", "Deployment"), [
      "Deployment.spec.template.spec.containers[0].readinesProbe",
    ]);
  });
});

Deno.test("replica Deployment and Service agree with replica.ts", async (t) => {
  const dep = get("base", "Deployment/resnet/replica");
  const svc = get("base", "Service/resnet/replica");
  const c = container(dep, "replica");
  const opts = parseFlags(REPLICA_FLAGS, c.args ?? [], { envPrefix: "REPLICA", env: envOf(c) });
  assert.notEqual(opts, "help");
  if (opts === "help") return;
  await t.step("container port, probes and Service use the replica's port", () => {
    assert.equal(port(c, "http"), opts.port);
    assert.equal(c.readinessProbe.httpGet.path, "/readyz");
    assert.equal(c.livenessProbe.httpGet.path, "/healthz");
    for (const p of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
      assert.equal(p.httpGet.port, "http");
    }
    assert.equal(svc.spec.clusterIP, "None");
    assert.equal(svc.spec.ports[0].targetPort, "http");
    assert.equal(svc.spec.ports[0].port, opts.port);
  });
  await t.step("selectors match the pod labels", () => {
    const labels = dep.spec.template.metadata.labels;
    assert.ok(selects(dep.spec.selector.matchLabels, labels));
    assert.ok(selects(svc.spec.selector, labels));
  });
  await t.step("terminationGracePeriodSeconds covers preStop + the drain", () => {
    const sleep = Number(c.lifecycle.preStop.exec.command.at(-1));
    assert.ok(sleep > 0);
    assert.ok(dep.spec.template.spec.terminationGracePeriodSeconds >= opts.graceS + sleep);
  });
  await t.step("model and labels at the image's paths; threads fit the CPU limit", () => {
    assert.equal(opts.model, "models/resnet18.onnx");
    assert.equal(opts.labels, "models/labels.txt");
    assert.ok(opts.threads <= Number.parseInt(c.resources.limits.cpu) / 1000);
    assert.equal(c.resources.requests.cpu, "1000m");
  });
});

Deno.test("dispatcher StatefulSet agrees with dispatcher.ts and discovers the replicas", async (t) => {
  const sts = get("base", "StatefulSet/resnet/dispatcher");
  const svc = get("base", "Service/resnet/dispatcher");
  const replicaSvc = get("base", "Service/resnet/replica");
  const c = container(sts, "dispatcher");
  const env = { ...envOf(c), DISPATCHER_K8S_NAMESPACE: NS };
  const opts = parseFlags(DISPATCHER_FLAGS, c.args ?? [], { envPrefix: "DISPATCHER", env });
  if (opts === "help") throw new Error("help");
  await t.step("ports, probes and Services", () => {
    assert.equal(port(c, "http"), opts.port);
    assert.equal(c.readinessProbe.httpGet.path, "/readyz");
    assert.equal(c.livenessProbe.httpGet.path, "/healthz");
    assert.equal(svc.spec.ports[0].port, opts.port);
    assert.ok(selects(svc.spec.selector, sts.spec.template.metadata.labels));
    assert.ok(selects(sts.spec.selector.matchLabels, sts.spec.template.metadata.labels));
    assert.equal(sts.spec.serviceName, "dispatcher-pods");
  });
  await t.step("EndpointSlice discovery of the replica Service's named port", () => {
    assert.equal(opts.discovery, "kubernetes");
    assert.equal(opts.k8sService, replicaSvc.metadata.name);
    assert.equal(opts.k8sPortName, replicaSvc.spec.ports[0].name);
    assert.equal(envOf(c).DISPATCHER_K8S_NAMESPACE, "<metadata.namespace>");
    const role = get("base", "Role/resnet/endpointslice-reader");
    assert.deepEqual(role.rules, [{
      apiGroups: ["discovery.k8s.io"],
      resources: ["endpointslices"],
      verbs: ["get", "list", "watch"],
    }]);
  });
  await t.step("grace period covers preStop + the drain", () => {
    const sleep = Number(c.lifecycle.preStop.exec.command.at(-1));
    assert.ok(sts.spec.template.spec.terminationGracePeriodSeconds >= opts.graceS + sleep);
  });
  await t.step("several dispatchers, scaled by an HPA on the dispatcher container's CPU", () => {
    for (const dir of ["overlays/hpa", "overlays/cpa"]) {
      const hpa = get(dir, "HorizontalPodAutoscaler/resnet/dispatcher");
      assert.deepEqual(hpa.spec.scaleTargetRef, {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        name: "dispatcher",
      });
      assert.ok(hpa.spec.minReplicas >= 2);
      assert.ok(hpa.spec.behavior.scaleUp && hpa.spec.behavior.scaleDown);
      assert.equal(hpa.spec.metrics[0].containerResource.container, "dispatcher");
      assert.equal(hpa.spec.metrics[0].containerResource.name, "cpu");
    }
  });
});

Deno.test("exactly one replica autoscaler per overlay, agreeing with the policies", async (t) => {
  const hpa = get("overlays/hpa", "HorizontalPodAutoscaler/resnet/replica");
  const sts = get("overlays/cpa", "StatefulSet/resnet/dispatcher");
  const side = container(sts, "autoscaler");
  const env: Record<string, string> = { ...envOf(side), AUTOSCALER_K8S_NAMESPACE: NS };
  const opts = parseFlags(AUTOSCALER_FLAGS, [], { envPrefix: "AUTOSCALER", env });
  if (opts === "help") throw new Error("help");
  await t.step("hpa: an HPA on the replica Deployment's CPU, no autoscaler container", () => {
    assert.deepEqual(hpa.spec.scaleTargetRef, {
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: "replica",
    });
    const workloads = ours("overlays/hpa");
    assert.ok(!workloads.some((w) => podContainers(w).some((c) => c.name === "autoscaler")));
  });
  await t.step("hpa: target and behavior are the hpa policy's defaults", () => {
    const spec = resolveSpec("hpa", {
      minReplicas: hpa.spec.minReplicas,
      maxReplicas: hpa.spec.maxReplicas,
    });
    assert.equal(hpa.spec.metrics[0].resource.name, "cpu");
    assert.equal(
      hpa.spec.metrics[0].resource.target.averageUtilization,
      spec.targetCPUUtilizationPercentage,
    );
    assert.deepEqual(hpa.spec.behavior, spec.behavior);
  });
  await t.step("cpa: no HPA on the replicas; one sidecar, acting only in dispatcher-0", () => {
    assert.ok(
      !rendered["overlays/cpa"].some((o) =>
        o.kind === "HorizontalPodAutoscaler" &&
        (o as Obj).spec.scaleTargetRef.name === "replica"
      ),
    );
    const sidecars = ours("overlays/cpa").flatMap((w) =>
      podContainers(w).filter((c) => c.name === "autoscaler")
    );
    assert.equal(sidecars.length, 1);
    const script = side.args.join("\n");
    assert.match(script, /"\$\{POD_NAME##\*-\}" = "0" \]; then exec \/app\/bin\/autoscaler run/);
    assert.equal(env.POD_NAME, "<metadata.name>");
    assert.equal(opts.actuator, "kubernetes");
    assert.equal(opts.k8sDeployment, "replica");
  });
  await t.step("cpa: bounds and CPU request match the HPA and the replica Deployment", () => {
    assert.equal(opts.min, hpa.spec.minReplicas);
    assert.equal(opts.max, hpa.spec.maxReplicas);
    const replica = get("overlays/cpa", "Deployment/resnet/replica");
    const request = container(replica, "replica").resources.requests.cpu;
    assert.equal(`${opts.cpuRequestMilli}m`, request);
    assert.equal(port(side, "autoscaler"), opts.port);
    assert.match(side.livenessProbe.exec.command.join(" "), new RegExp(`:${opts.port}/healthz`));
  });
  await t.step("cpa: spec and queries come from the mounted ConfigMap and are valid", () => {
    const cm = get("overlays/cpa", "ConfigMap/resnet/autoscaler-config");
    const mount = side.volumeMounts.find((m: Obj) => m.name === "autoscaler-config");
    const volume = sts.spec.template.spec.volumes.find((v: Obj) => v.name === "autoscaler-config");
    assert.equal(volume.configMap.name, "autoscaler-config");
    for (const file of [opts.spec, opts.queries]) {
      assert.ok(file.startsWith(`${mount.mountPath}/`), file);
      assert.ok(file.slice(mount.mountPath.length + 1) in cm.data, file);
    }
    resolveSpec(opts.policy as "cpa", JSON.parse(cm.data["spec.json"]));
    const queries = JSON.parse(cm.data["queries.json"]);
    assert.deepEqual(Object.keys(queries).sort(), Object.keys(DEFAULT_QUERIES).sort());
    const prom = get("base", "Service/resnet/prometheus");
    assert.equal(opts.prometheus, `http://${prom.metadata.name}:${prom.spec.ports[0].port}`);
    assert.equal(opts.metrics, "prometheus");
    assert.equal(opts.podLabel, "pod");
  });
  await t.step("cpa: the scale Role is get/patch of deployments/scale for replica only", () => {
    assert.deepEqual(get("overlays/cpa", "Role/resnet/replica-scaler").rules, [{
      apiGroups: ["apps"],
      resources: ["deployments/scale"],
      resourceNames: ["replica"],
      verbs: ["get", "patch"],
    }]);
    assert.equal(sts.spec.template.spec.serviceAccountName, "autoscaler");
    const bound = rendered["overlays/cpa"].filter((o) =>
      o.kind === "RoleBinding" &&
      (o as Obj).subjects.some((s: Obj) => s.name === "autoscaler")
    ).map((o) => (o as Obj).roleRef.name).sort();
    assert.deepEqual(bound, ["endpointslice-reader", "replica-pod-reader", "replica-scaler"]);
  });
  await t.step("no Role anywhere writes anything but that scale", () => {
    for (const dir of Object.keys(EXPECTED)) {
      for (const role of rendered[dir].filter((o) => o.kind === "Role") as Obj[]) {
        for (const rule of role.rules) {
          const writes = rule.verbs.filter((v: string) => !["get", "list", "watch"].includes(v));
          if (writes.length === 0) continue;
          assert.equal(role.metadata.name, "replica-scaler", `${dir}: ${role.metadata.name}`);
        }
      }
    }
  });
});

Deno.test("RBAC, images, security and observability wiring", async (t) => {
  await t.step(
    "bindings name existing Roles and ServiceAccounts; pods use existing accounts",
    () => {
      for (const [dir, objects] of Object.entries(rendered)) {
        const has = (kind: string, name: string) =>
          objects.some((o) => o.kind === kind && o.metadata.name === name);
        for (const b of objects.filter((o) => o.kind === "RoleBinding") as Obj[]) {
          assert.ok(has("Role", b.roleRef.name), `${dir}: ${b.roleRef.name}`);
          for (const s of b.subjects) {
            assert.ok(has("ServiceAccount", s.name), `${dir}: ${s.name}`);
            assert.equal(s.namespace, NS);
          }
        }
        for (const w of ours(dir)) {
          const sa = w.spec.template.spec.serviceAccountName;
          if (sa) assert.ok(has("ServiceAccount", sa), `${dir}: ${sa}`);
        }
      }
    },
  );
  await t.step("our containers run compiled binaries from the image, non-root, read-only", () => {
    const names = new Set(ENTRIES.map((e) => `/app/bin/${e.name}`));
    for (const dir of Object.keys(EXPECTED)) {
      for (const w of ours(dir)) {
        const pod = w.spec.template.spec;
        for (const c of podContainers(w)) {
          assert.equal(c.securityContext.readOnlyRootFilesystem, true, `${c.name}`);
          assert.equal(c.securityContext.allowPrivilegeEscalation, false, `${c.name}`);
          assert.ok(c.resources.requests.cpu && c.resources.limits.memory, c.name);
        }
        assert.equal(pod.securityContext.runAsNonRoot, true, w.metadata.name);
        for (const c of podContainers(w).filter((c) => c.image === IMAGE)) {
          const cmd = [...(c.command ?? []), ...(c.args ?? [])].join(" ");
          assert.ok([...names].some((n) => cmd.includes(n)) || /curl/.test(cmd), cmd);
          if (c.command?.[0]?.startsWith("/app/bin/")) {
            assert.ok(c.volumeMounts.some((m: Obj) => m.mountPath === "/tmp"), c.name);
          }
        }
      }
    }
  });
  await t.step("the Dockerfile builds the image these manifests run", async () => {
    const dockerfile = await Deno.readTextFile(`${ROOT}Dockerfile`);
    assert.match(dockerfile, /^\s+deno task model;/m);
    assert.match(dockerfile, /RUN deno task compile --out \/out/);
    assert.match(dockerfile, /COPY --from=build \/out\/bin\/ \/app\/bin\//);
    assert.match(dockerfile, /COPY --from=build \/out\/models\/ \/app\/models\//);
    assert.match(dockerfile, /COPY --from=build \/src\/traces\/ \/app\/traces\//);
    assert.match(dockerfile, /^USER 65532:65532$/m);
    assert.match(dockerfile, /^HEALTHCHECK /m);
    assert.match(dockerfile, /^WORKDIR \/app$/m);
    const job = get("base", "Job/resnet/loadtest");
    const args: string[] = container(job, "loadtest").args;
    const trace = args[args.indexOf("--trace") + 1];
    assert.ok(trace.startsWith("/app/traces/"));
    await Deno.stat(`${ROOT}traces/${trace.slice("/app/traces/".length)}`);
    assert.ok(args.includes("http://dispatcher:5052/predict"));
  });
  await t.step(
    "Prometheus scrapes the ports the pods expose, with the config from files",
    async () => {
      const cm = get("base", "ConfigMap/resnet/prometheus-config");
      const file = await Deno.readTextFile(`${K8S}/base/prometheus/prometheus.yml`);
      assert.equal(cm.data["prometheus.yml"], file);
      const [config] = parseYamlDocuments(file, "prometheus.yml") as Obj[];
      const prom = get("base", "Deployment/resnet/prometheus");
      const mount = container(prom, "prometheus").volumeMounts.find((m: Obj) =>
        m.name === "config"
      );
      for (const rule of config.rule_files) {
        assert.ok(rule.startsWith(`${mount.mountPath}/`));
        assert.ok(rule.slice(mount.mountPath.length + 1) in cm.data);
      }
      const job = config.scrape_configs.find((s: Obj) => s.job_name === "resnet-pods");
      assert.deepEqual(job.kubernetes_sd_configs, [{ role: "pod", namespaces: { names: [NS] } }]);
      const portRule = job.relabel_configs.find((r: Obj) =>
        r.action === "keep" && r.source_labels[0] === "__meta_kubernetes_pod_container_port_name"
      );
      const kept = new RegExp(`^(?:${portRule.regex})$`);
      const cpa = get("overlays/cpa", "StatefulSet/resnet/dispatcher");
      for (const w of [get("base", "Deployment/resnet/replica"), cpa]) {
        assert.equal(w.spec.template.metadata.annotations["prometheus.io/scrape"], "true");
        for (const c of w.spec.template.spec.containers) {
          assert.ok(c.ports.some((p: Obj) => kept.test(p.name)), `${c.name} ports not scraped`);
        }
      }
      const queries = JSON.parse(
        get("overlays/cpa", "ConfigMap/resnet/autoscaler-config")
          .data["queries.json"],
      );
      for (const q of Object.values(queries) as string[]) {
        for (const [, jobName] of q.matchAll(/job="([^"]+)"/g)) {
          assert.ok(["replica", "dispatcher"].includes(jobName), q);
        }
      }
    },
  );
  await t.step("Grafana reads the dashboard file through the provisioned datasource", async () => {
    const dash = await Deno.readTextFile(`${K8S}/base/grafana/dashboard.json`);
    assert.equal(get("base", "ConfigMap/resnet/grafana-dashboards").data["dashboard.json"], dash);
    const prov = get("base", "ConfigMap/resnet/grafana-provisioning").data;
    const [ds] = (parseYamlDocuments(prov["datasources.yaml"], "ds") as Obj[])[0].datasources;
    const prom = get("base", "Service/resnet/prometheus");
    assert.equal(ds.url, `http://${prom.metadata.name}:${prom.spec.ports[0].port}`);
    const uids = new Set(
      JSON.parse(dash).panels.flatMap((
        p: Obj,
      ) => [p.datasource.uid, ...p.targets.map((x: Obj) => x.datasource.uid)]),
    );
    assert.deepEqual([...uids], [ds.uid]);
    const [provider] = (parseYamlDocuments(prov["dashboards.yaml"], "p") as Obj[])[0].providers;
    const graf = get("base", "Deployment/resnet/grafana");
    const mount = container(graf, "grafana").volumeMounts.find((m: Obj) => m.name === "dashboards");
    assert.equal(provider.options.path, mount.mountPath);
  });
});
