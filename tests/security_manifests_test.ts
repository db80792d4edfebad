/**
 * Security posture of everything k8s/ deploys, over the rendered base and overlays (every pod,
 * Prometheus and Grafana included), and of the image: non-root, no privilege escalation,
 * read-only root file systems, all capabilities dropped, nothing from the host, service-account
 * tokens only where the API is used, and least-privilege RBAC (namespaced Roles only, no
 * wildcards, writes only by resource name, no secrets, no RBAC-escalating verbs).
 *
 * tests/k8s_manifests_test.ts checks our own workloads' exact Roles and bindings (the scale Role
 * is get/patch of `deployments/scale` for `replica`, and the rest read-only); this file checks
 * the properties across every rendered object, so a new manifest cannot slip past them.
 */
import assert from "node:assert/strict";
import { type KObject, objectKey, render } from "./support/kustomize.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const DIRS = ["base", "overlays/hpa", "overlays/cpa"];
const rendered: Record<string, KObject[]> = {};
for (const dir of DIRS) rendered[dir] = await render(`${ROOT}k8s/${dir}`);

// deno-lint-ignore no-explicit-any
type Obj = Record<string, any>;
const key = (o: Obj) => objectKey(o as KObject);

const WORKLOADS = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"];
const READ_VERBS = new Set(["get", "list", "watch"]);
const ESCALATING_VERBS = new Set(["escalate", "bind", "impersonate", "*"]);

function podSpec(o: Obj): Obj {
  if (o.kind === "Pod") return o.spec;
  if (o.kind === "CronJob") return o.spec.jobTemplate.spec.template.spec;
  return o.spec.template.spec;
}

function workloads(): [string, Obj][] {
  return DIRS.flatMap((dir) =>
    rendered[dir].filter((o) => WORKLOADS.includes(o.kind)).map((o) => [dir, o as Obj])
  ) as [string, Obj][];
}

Deno.test("every pod runs non-root, unprivileged, read-only, with nothing from the host", async (t) => {
  const all = workloads();
  assert.ok(all.length >= 5, `found ${all.length} workloads`);
  for (const [dir, w] of all) {
    await t.step(`${dir}: ${key(w)}`, () => {
      const pod = podSpec(w);
      assert.equal(pod.securityContext?.runAsNonRoot, true, "pod runAsNonRoot");
      assert.ok(pod.securityContext?.runAsUser > 0, "pod runAsUser is a non-zero uid");
      assert.equal(pod.securityContext?.seccompProfile?.type, "RuntimeDefault");
      for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
        assert.notEqual(pod[field], true, field);
      }
      for (const v of pod.volumes ?? []) assert.equal(v.hostPath, undefined, `volume ${v.name}`);
      for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        const sc = c.securityContext ?? {};
        assert.equal(sc.allowPrivilegeEscalation, false, `${c.name}: allowPrivilegeEscalation`);
        assert.equal(sc.readOnlyRootFilesystem, true, `${c.name}: readOnlyRootFilesystem`);
        assert.notEqual(sc.privileged, true, `${c.name}: privileged`);
        assert.deepEqual(sc.capabilities?.drop, ["ALL"], `${c.name}: capabilities.drop`);
        assert.equal(sc.capabilities?.add, undefined, `${c.name}: capabilities.add`);
        if (sc.runAsUser !== undefined) assert.ok(sc.runAsUser > 0, `${c.name}: runAsUser`);
        for (const p of c.ports ?? []) assert.equal(p.hostPort, undefined, `${c.name}: hostPort`);
        assert.ok(c.resources?.limits?.memory, `${c.name}: a memory limit bounds it`);
      }
    });
  }
});

Deno.test("service-account tokens are mounted only into pods that call the API", () => {
  for (const [dir, w] of workloads()) {
    const pod = podSpec(w);
    const account = pod.serviceAccountName;
    if (!account) {
      assert.equal(pod.automountServiceAccountToken, false, `${dir}: ${key(w)}`);
      continue;
    }
    const bound = rendered[dir].some((o) =>
      o.kind === "RoleBinding" && (o as Obj).subjects.some((s: Obj) => s.name === account)
    );
    assert.ok(bound, `${dir}: ${key(w)} mounts ${account}'s token but it has no Role`);
  }
});

Deno.test("RBAC is namespaced and least-privilege", async (t) => {
  for (const dir of DIRS) {
    const objects = rendered[dir] as Obj[];
    await t.step(`${dir}: no cluster-wide RBAC at all`, () => {
      const cluster = objects.filter((o) => /^Cluster(Role|RoleBinding)$/.test(o.kind));
      assert.deepEqual(cluster.map((o) => key(o)), []);
    });
    for (const role of objects.filter((o) => o.kind === "Role")) {
      await t.step(`${dir}: Role ${role.metadata.name}`, () => {
        assert.ok(role.rules.length > 0);
        for (const rule of role.rules) {
          for (const field of ["verbs", "resources", "apiGroups"]) {
            assert.ok(!rule[field]?.includes("*"), `${field} has a wildcard`);
          }
          assert.equal(rule.nonResourceURLs, undefined);
          for (const v of rule.verbs) assert.ok(!ESCALATING_VERBS.has(v), `verb ${v}`);
          assert.ok(
            !rule.resources.some((r: string) => r === "secrets" || r.startsWith("secrets/")),
            "no access to secrets",
          );
          const writes = rule.verbs.filter((v: string) => !READ_VERBS.has(v));
          if (writes.length > 0) {
            assert.ok(rule.resourceNames?.length > 0, `writes ${writes} without resourceNames`);
            assert.ok(!writes.includes("create") && !writes.includes("deletecollection"));
          }
        }
      });
    }
    await t.step(`${dir}: bindings grant Roles to this namespace's ServiceAccounts only`, () => {
      for (const b of objects.filter((o) => o.kind === "RoleBinding")) {
        assert.equal(b.roleRef.kind, "Role", b.metadata.name);
        for (const s of b.subjects) {
          assert.equal(s.kind, "ServiceAccount", b.metadata.name);
          assert.equal(s.namespace, b.metadata.namespace, b.metadata.name);
        }
      }
    });
  }
});

Deno.test("the image runs as a numeric non-root user", async () => {
  const dockerfile = await Deno.readTextFile(`${ROOT}Dockerfile`);
  const users = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
  assert.ok(users.length > 0, "the Dockerfile sets USER");
  const last = users[users.length - 1];
  const uid = Number(last.split(":")[0]);
  assert.ok(Number.isInteger(uid) && uid > 0, `final USER ${last} is a non-zero numeric uid`);
});
