/**
 * The Kubernetes actuator and the EndpointSlice watch, through @kubernetes/client-node, against
 * the stand-in API server of tests/support/fake_kube_api.ts (NOT a real cluster).
 */
import assert from "node:assert/strict";
import {
  createKubernetesActuator,
  endpointUrls,
  KubeApiError,
  kubeConfigFor,
  watchEndpointSlices,
} from "../lib/k8s/mod.ts";
import { silentLogger, waitFor } from "../lib/shared/mod.ts";
import { endpointSlice, type FakeKubeApi, startFakeKubeApi } from "./support/fake_kube_api.ts";
import { type Started, startScript } from "./support/process.ts";

const SCALE_PATH = "/apis/apps/v1/namespaces/default/deployments/resnet/scale";

function setup(api: FakeKubeApi, replicas = 2) {
  api.deployments.set("default/resnet", { replicas, selector: "app=resnet", resourceVersion: 100 });
  api.requests.length = 0;
  api.forbidden.clear();
  api.interfere = 0;
  return createKubernetesActuator({
    namespace: "default",
    deployment: "resnet",
    min: 1,
    max: 5,
    kubeConfig: kubeConfigFor(api.url, "t0ken"),
    log: silentLogger,
  });
}

Deno.test("kubernetes actuator", async (t) => {
  const api = startFakeKubeApi({ token: "t0ken" });
  try {
    await t.step(
      "current reads spec.replicas of the scale subresource with the token",
      async () => {
        const a = setup(api, 3);
        assert.equal(await a.current(), 3);
        assert.equal(api.requests[0].path, SCALE_PATH);
        assert.equal(api.requests[0].authorization, "Bearer t0ken");
      },
    );
    await t.step(
      "scale PATCHes a merge patch conditional on the resourceVersion read",
      async () => {
        const a = setup(api, 2);
        assert.deepEqual(await a.scale(4), { from: 2, to: 4, changed: true });
        const patch = api.requests.find((r) => r.method === "PATCH")!;
        assert.equal(patch.path, SCALE_PATH);
        assert.equal(patch.contentType, "application/merge-patch+json");
        assert.deepEqual(JSON.parse(patch.body), {
          metadata: { resourceVersion: "100" },
          spec: { replicas: 4 },
        });
        assert.equal(api.deployments.get("default/resnet")!.replicas, 4);
      },
    );
    await t.step("never above max or below min", async () => {
      const a = setup(api, 2);
      assert.equal((await a.scale(50)).to, 5);
      assert.equal((await a.scale(0)).to, 1);
      const sent = api.requests.filter((r) => r.method === "PATCH").map((r) =>
        JSON.parse(r.body).spec.replicas
      );
      assert.deepEqual(sent, [5, 1]);
    });
    await t.step("already at the count: no PATCH", async () => {
      const a = setup(api, 2);
      assert.deepEqual(await a.scale(2), { from: 2, to: 2, changed: false });
      assert.equal(api.requests.filter((r) => r.method === "PATCH").length, 0);
    });
    await t.step("409 Conflict: re-reads and retries", async () => {
      const a = setup(api, 2);
      api.interfere = 2;
      assert.equal((await a.scale(3)).to, 3);
      const patches = api.requests.filter((r) => r.method === "PATCH");
      assert.equal(patches.length, 3);
      assert.deepEqual(patches.map((p) => JSON.parse(p.body).metadata.resourceVersion), [
        "100",
        "101",
        "102",
      ]);
      assert.equal(api.deployments.get("default/resnet")!.replicas, 3);
    });
    await t.step("409 on every attempt: gives up with the Status message", async () => {
      const a = setup(api, 2);
      api.interfere = 100;
      await assert.rejects(a.scale(3), (err: Error) => {
        assert.ok(err instanceof KubeApiError);
        assert.equal(err.status, 409);
        assert.match(err.message, /the object has been modified/);
        return true;
      });
      assert.equal(api.requests.filter((r) => r.method === "PATCH").length, 5);
    });
    await t.step("403 Forbidden: KubeApiError with reason and message", async () => {
      const a = setup(api, 2);
      api.forbidden.add("patch");
      await assert.rejects(a.scale(3), (err: Error) => {
        assert.ok(err instanceof KubeApiError);
        assert.equal(err.status, 403);
        assert.equal(err.reason, "Forbidden");
        assert.match(err.message, /cannot patch resource "deployments\/scale"/);
        return true;
      });
      assert.equal(api.deployments.get("default/resnet")!.replicas, 2);
    });
    await t.step("pods are listed with the scale's selector", async () => {
      const a = setup(api, 1);
      api.pods = [{
        metadata: { name: "resnet-abc" },
        spec: { containers: [{ name: "r", resources: { requests: { cpu: "500m" } } }] },
        status: {
          phase: "Running",
          podIP: "10.0.0.7",
          startTime: "2024-01-01T00:00:00Z",
          conditions: [{
            type: "Ready",
            status: "True",
            lastTransitionTime: "2024-01-01T00:00:30Z",
          }],
        },
      }];
      const pods = await a.pods();
      assert.equal(api.requests.at(-1)!.query.labelSelector, "app=resnet");
      assert.deepEqual(pods, [{
        name: "resnet-abc",
        instance: "resnet-abc",
        url: "http://10.0.0.7",
        phase: "Running",
        ready: true,
        deleting: false,
        startTime: Date.parse("2024-01-01T00:00:00Z") / 1000,
        readyTransitionTime: Date.parse("2024-01-01T00:00:30Z") / 1000,
        cpuRequestMilli: 500,
      }]);
    });
  } finally {
    await api.close();
  }
});

Deno.test("endpointUrls", async (t) => {
  await t.step("ready endpoints with the named port", () => {
    const s = endpointSlice("a", "svc", { name: "http", port: 6000 }, [["10.0.0.1", true], [
      "10.0.0.2",
      false,
    ]]);
    assert.deepEqual(endpointUrls([s as never], "http"), ["http://10.0.0.1:6000"]);
    assert.deepEqual(endpointUrls([s as never], "grpc"), []);
    assert.deepEqual(endpointUrls([s as never], ""), ["http://10.0.0.1:6000"]);
  });
});

Deno.test("watchEndpointSlices", async (t) => {
  const api = startFakeKubeApi();
  const controller = new AbortController();
  const seen: string[][] = [];
  const last = () => seen.at(-1)?.join(",") ?? "";
  const port = { name: "http", port: 6000 };
  api.slices.set("svc-1", endpointSlice("svc-1", "svc", port, [["10.0.0.1", true]]));
  const done = watchEndpointSlices({
    namespace: "default",
    service: "svc",
    portName: "http",
    onUrls: (urls) => seen.push(urls),
    signal: controller.signal,
    kubeConfig: kubeConfigFor(api.url),
    retryMs: 50,
    log: silentLogger,
  });
  try {
    await t.step("initial list, with the service label selector", async () => {
      await waitFor("first list", () => seen.length === 1);
      assert.equal(last(), "http://10.0.0.1:6000");
      const list = api.requests.find((r) => r.query.watch === undefined)!;
      assert.equal(list.path, "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices");
      assert.equal(list.query.labelSelector, "kubernetes.io/service-name=svc");
      await waitFor("watch open", () => api.openWatches === 1);
    });
    await t.step("ADDED, MODIFIED and DELETED events update the URLs", async () => {
      api.emit("ADDED", endpointSlice("svc-2", "svc", port, [["10.0.0.2", false]]));
      api.emit("MODIFIED", endpointSlice("svc-2", "svc", port, [["10.0.0.2", true]]));
      await waitFor("10.0.0.2 ready", () => last() === "http://10.0.0.1:6000,http://10.0.0.2:6000");
      api.emit("DELETED", endpointSlice("svc-1", "svc", port, []));
      await waitFor("svc-1 gone", () => last() === "http://10.0.0.2:6000");
    });
    await t.step(
      "a closed watch is followed by a re-list that sees changes made meanwhile",
      async () => {
        api.closeWatches();
        api.slices.set("svc-3", endpointSlice("svc-3", "svc", port, [["10.0.0.3", true]]));
        await waitFor("re-list", () => last() === "http://10.0.0.2:6000,http://10.0.0.3:6000");
        await waitFor("watch reopened", () => api.openWatches === 1);
      },
    );
    await t.step("a forbidden list is retried until allowed", async () => {
      api.forbidden.add("list");
      api.closeWatches();
      await waitFor(
        "a forbidden attempt",
        () => api.requests.filter((r) => r.query.watch === undefined).length >= 4,
      );
      api.slices.delete("svc-2");
      api.forbidden.clear();
      await waitFor("recovered", () => last() === "http://10.0.0.3:6000");
    });
  } finally {
    controller.abort();
    await done;
    await api.close();
  }
});

Deno.test("dispatcher --discovery kubernetes", async (t) => {
  const api = startFakeKubeApi({ token: "abc" });
  const dir = await Deno.makeTempDir();
  const kubeconfig = `${dir}/config`;
  await Deno.writeTextFile(
    kubeconfig,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      // the client refuses plain http unless TLS verification is marked skipped
      clusters: [{ name: "c", cluster: { server: api.url, "insecure-skip-tls-verify": true } }],
      users: [{ name: "u", user: { token: "abc" } }],
      contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
      "current-context": "x",
    }),
  );
  const stubs: Started[] = [];
  let dispatcher: Started | undefined;
  try {
    for (const name of ["a", "b"]) {
      stubs.push(await startScript("tests/support/stub_replica.ts", [`--name=${name}`]));
    }
    const port = { name: "http", port: stubs[0].port };
    api.slices.set("s-a", endpointSlice("s-a", "resnet", port, [["127.0.0.1", true]]));
    dispatcher = await startScript("dispatcher.ts", [
      "--host=127.0.0.1",
      "--port=0",
      "--health-interval-s=0.1",
      "--discovery=kubernetes",
      "--k8s-service=resnet",
      "--k8s-port-name=http",
    ], { env: { KUBECONFIG: kubeconfig } });
    const listed = async () => {
      const body = await fetch(`${dispatcher!.url}/admin/replicas`).then((r) => r.json());
      return body.replicas.map((r: { url: string; state: string }) => `${r.url}=${r.state}`).sort()
        .join(",");
    };
    await t.step("ready endpoints become replicas and serve", async () => {
      await waitFor("a ready", async () => await listed() === `${stubs[0].url}=ready`);
      const res = await fetch(`${dispatcher!.url}/predict`, {
        method: "POST",
        body: "x",
        headers: { "content-type": "image/jpeg" },
      });
      await res.body?.cancel();
      assert.equal(res.headers.get("x-replica"), "a");
    });
    await t.step("a slice change replaces the membership", async () => {
      api.emit(
        "MODIFIED",
        endpointSlice("s-a", "resnet", { name: "http", port: stubs[1].port }, [[
          "127.0.0.1",
          true,
        ]]),
      );
      await waitFor("b only", async () => await listed() === `${stubs[1].url}=ready`);
    });
  } finally {
    await dispatcher?.stop();
    for (const s of stubs) await s.stop();
    await api.close();
    await Deno.remove(dir, { recursive: true });
  }
});
