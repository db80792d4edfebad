/**
 * The compile task's entries (scripts/compile.ts), run the way their binaries would run: each
 * script under exactly the permission flags compiled into its binary, the replica also with
 * `--allow-read` narrowed to the files its binary embeds plus the assets shipped beside it (so a
 * file the trimmed binary would lack fails the run), and `deno compile` itself with the project's
 * excludes. The compiled files cannot be run here: `DENORT_BIN` must point at a `denort`, which
 * only Deno's servers provide, so the compile step uses the `deno` binary as its base and checks
 * only that compiling succeeds and embeds what the entry needs.
 */
import assert from "node:assert/strict";
import {
  ASSETS,
  compileArgs,
  embeddedPackageFiles,
  ENTRIES,
  type Entry,
  entryExists,
  entryGraph,
  excludePaths,
  hostTarget,
  ROOT,
} from "../scripts/compile.ts";
import { endpointSlice, startFakeKubeApi } from "./support/fake_kube_api.ts";
import { jsonLines } from "../lib/shared/mod.ts";

const decoder = new TextDecoder();

interface Proc {
  child: Deno.ChildProcess;
  port: number;
  logs: string[];
  stop(): Promise<Deno.CommandStatus>;
}

/** Runs `deno run --no-prompt FLAGS SCRIPT ARGS` and resolves once it logs `listening`. */
async function start(
  flags: string[],
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Proc> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...flags, script, ...args],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  }).spawn();
  const logs: string[] = [];
  let port = 0;
  const listening = new Promise<void>((resolve, reject) => {
    (async () => {
      for await (const entry of jsonLines(child.stderr)) {
        logs.push(typeof entry.raw === "string" ? entry.raw : JSON.stringify(entry));
        if (entry.event === "listening" && typeof entry.port === "number") {
          port = entry.port;
          resolve();
        }
      }
      reject(new Error(`${script} exited before listening: ${logs.slice(-5).join("\n")}`));
    })();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  try {
    await listening;
  } catch (err) {
    await child.status;
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return {
    child,
    port,
    logs,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      return await child.status;
    },
  };
}

async function waitForStatus(url: string, status = 200, timeoutMs = 60_000): Promise<Response> {
  const until = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < until) {
    try {
      const res = await fetch(url);
      if (res.status === status) return res;
      last = `HTTP ${res.status}`;
      await res.body?.cancel();
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer ${status} in ${timeoutMs} ms (last: ${last})`);
}

function entry(name: string): Entry {
  const e = ENTRIES.find((x) => x.name === name);
  if (!e) throw new Error(`no entry ${name}`);
  return e;
}

Deno.test("compile config: entries, includes, assets and the task agree", async (t) => {
  await t.step("every non-optional entry script exists; names are unique", () => {
    for (const e of ENTRIES) assert.ok(e.optional || entryExists(e), `${e.script} missing`);
    assert.equal(new Set(ENTRIES.map((e) => e.name)).size, ENTRIES.length);
  });
  await t.step("every include and asset exists", async () => {
    for (const path of [...ENTRIES.flatMap((e) => e.include), ...ASSETS]) {
      assert.ok((await Deno.stat(`${ROOT}${path}`)).isFile, path);
    }
  });
  await t.step("permission flags are explicit --allow-* flags, never -A", () => {
    for (const e of ENTRIES) {
      assert.ok(e.permissions.length > 0, e.name);
      for (const p of e.permissions) assert.match(p, /^--allow-[a-z]+$/, `${e.name}: ${p}`);
    }
  });
  await t.step("deno.json's compile task runs scripts/compile.ts", async () => {
    const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
    assert.match(config.tasks.compile, /scripts\/compile\.ts$/);
  });
  await t.step("the replica binary keeps onnxruntime-web's wasm build and its loader", async () => {
    const graph = await entryGraph(entry("replica"));
    const files = embeddedPackageFiles(graph, hostTarget());
    for (
      const f of ["ort.node.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm"]
    ) {
      assert.ok(files.some((p) => p.endsWith(`/onnxruntime-web/dist/${f}`)), f);
    }
    assert.ok(files.some((p) => p.includes("@cwasm+jpeg-turbo")), "jpeg-turbo package");
    assert.ok(!files.some((p) => p.endsWith("ort-wasm-simd-threaded.jsep.wasm")), "jsep trimmed");
  });
});

Deno.test("entries answer --help under their compiled permission flags", async (t) => {
  for (const e of ENTRIES) {
    await t.step(e.name, async () => {
      if (!entryExists(e)) {
        console.log(`  (${e.script} does not exist yet: skipped)`);
        return;
      }
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--no-prompt", ...e.permissions, e.script, ...e.help],
        cwd: ROOT,
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).output();
      const text = decoder.decode(out.stdout) + decoder.decode(out.stderr);
      assert.equal(out.code, 0, text);
      assert.match(text, /usage/i);
    });
  }
});

Deno.test("servers pass their probes under their compiled permission flags", async (t) => {
  const r = entry("replica"), d = entry("dispatcher"), a = entry("autoscaler");
  // The replica may read only what its binary embeds plus the assets beside it.
  const graph = await entryGraph(r);
  const reads = [
    ...graph.localModules,
    ...embeddedPackageFiles(graph, hostTarget()),
    ...ASSETS.map((p) => `${ROOT}${p}`),
  ];
  const replicaFlags = r.permissions.map((p) =>
    p === "--allow-read" ? `--allow-read=${reads.join(",")}` : p
  );
  const procs: Proc[] = [];
  try {
    const replica = await start(replicaFlags, r.script, ["--port", "0", ...r.serve!.args]);
    procs.push(replica);
    const base = `http://127.0.0.1:${replica.port}`;
    await t.step(
      `replica ${r.serve!.probe} (reads limited to embedded files + assets)`,
      async () => {
        await (await waitForStatus(`${base}${r.serve!.probe}`)).body?.cancel();
        const form = new FormData();
        const jpeg = await Deno.readFile(`${ROOT}testdata/images/rocket.jpg`);
        form.append("image", new Blob([jpeg], { type: "image/jpeg" }), "rocket.jpg");
        const res = await fetch(`${base}/predict`, { method: "POST", body: form });
        const body = await res.json();
        assert.equal(res.status, 200, JSON.stringify(body));
        assert.equal(body.success, true);
      },
    );
    const dispatcher = await start(d.permissions, d.script, ["--port", "0", "--replicas", base]);
    procs.push(dispatcher);
    const front = `http://127.0.0.1:${dispatcher.port}`;
    await t.step(`dispatcher ${d.serve!.probe}, relaying to the replica`, async () => {
      await (await waitForStatus(`${front}${d.serve!.probe}`)).body?.cancel();
      const jpeg = await Deno.readFile(`${ROOT}testdata/images/rocket.jpg`);
      let res: Response | undefined;
      for (let i = 0; i < 50; i++) {
        res = await fetch(`${front}/predict`, {
          method: "POST",
          body: jpeg,
          headers: { "content-type": "image/jpeg" },
        });
        if (res.status === 200) break;
        await res.body?.cancel();
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(res!.status, 200);
      assert.equal((await res!.json()).success, true);
    });
    const autoscaler = await start(a.permissions, a.script, [
      ...a.serve!.args,
      "--port",
      "0",
      "--dispatcher",
      front,
      "--decision-log",
      "/dev/null",
    ]);
    procs.push(autoscaler);
    await t.step(`autoscaler ${a.serve!.probe} and /api/v1/metrics (dry-run)`, async () => {
      const url = `http://127.0.0.1:${autoscaler.port}`;
      await (await waitForStatus(`${url}${a.serve!.probe}`)).body?.cancel();
      const res = await fetch(`${url}/api/v1/metrics`);
      assert.equal(res.status, 200, await res.clone().text());
      await res.body?.cancel();
    });
  } finally {
    for (const p of procs.reverse()) {
      const status = await p.stop();
      assert.ok(status.success || status.signal === "SIGTERM", p.logs.slice(-3).join("\n"));
    }
  }
});

Deno.test("Kubernetes clients work under the compiled flags (stand-in API server)", async (t) => {
  const api = startFakeKubeApi({ token: "t0k3n" });
  const dir = await Deno.makeTempDir({ prefix: "kubeconfig_" });
  const kubeconfig = `${dir}/config`;
  await Deno.writeTextFile(
    kubeconfig,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster: { server: api.url, "insecure-skip-tls-verify": true } }],
      users: [{ name: "u", user: { token: "t0k3n" } }],
      contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
      "current-context": "x",
    }),
  );
  api.slices.set(
    "replica-a",
    endpointSlice("replica-a", "replica", { name: "http", port: 6999 }, [["127.0.0.1", true]]),
  );
  api.deployments.set("default/replica", {
    replicas: 2,
    selector: "app.kubernetes.io/name=replica",
    resourceVersion: 1,
  });
  const env = { KUBECONFIG: kubeconfig };
  const procs: Proc[] = [];
  try {
    const d = entry("dispatcher"), a = entry("autoscaler");
    const dispatcher = await start(d.permissions, d.script, [
      "--port=0",
      "--host=127.0.0.1",
      "--discovery=kubernetes",
      "--k8s-namespace=default",
      "--k8s-service=replica",
      "--k8s-port-name=http",
    ], env);
    procs.push(dispatcher);
    await t.step("dispatcher: EndpointSlice discovery", async () => {
      const url = `http://127.0.0.1:${dispatcher.port}/admin/replicas`;
      const until = Date.now() + 10_000;
      let urls: string[] = [];
      while (Date.now() < until) {
        urls = (await (await fetch(url)).json()).replicas.map((r: { url: string }) => r.url);
        if (urls.length > 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.deepEqual(urls, ["http://127.0.0.1:6999"]);
    });
    const autoscaler = await start(a.permissions, a.script, [
      "run",
      "--port=0",
      "--host=127.0.0.1",
      "--actuator=kubernetes",
      "--k8s-namespace=default",
      "--k8s-deployment=replica",
      "--interval=60",
      "--decision-log=/dev/null",
    ], env);
    procs.push(autoscaler);
    await t.step("autoscaler: the kubernetes actuator reads the scale and the pods", async () => {
      const res = await fetch(`http://127.0.0.1:${autoscaler.port}/api/v1/metrics`);
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      const { observation } = JSON.parse(body.metrics[0].value);
      assert.equal(observation.currentReplicas, 2);
      const paths = api.requests.map((r) => `${r.method} ${r.path}`);
      assert.ok(paths.includes("GET /apis/apps/v1/namespaces/default/deployments/replica/scale"));
      assert.ok(api.requests.every((r) => r.authorization === "Bearer t0k3n"));
    });
  } finally {
    for (const p of procs) await p.stop();
    await api.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "deno compile embeds each entry (DENORT_BIN=deno: binaries are built, not run)",
  ignore: Deno.env.get("COMPILE_SMOKE") === "0",
  async fn(t) {
    const out = await Deno.makeTempDir({ prefix: "compile_smoke_" });
    try {
      // Two at a time (two cores); each binary is deleted once checked.
      const compile = async (e: Entry) => {
        const graph = await entryGraph(e);
        const argv = compileArgs(e, {
          output: `${out}/${e.name}`,
          target: hostTarget(),
          exclude: excludePaths(graph, hostTarget()),
        });
        const res = await new Deno.Command(Deno.execPath(), {
          args: argv,
          cwd: ROOT,
          stdout: "piped",
          stderr: "piped",
          env: { NO_COLOR: "1", DENORT_BIN: Deno.execPath() },
        }).output();
        await Deno.remove(`${out}/${e.name}`).catch(() => {});
        return { code: res.code, text: decoder.decode(res.stdout) + decoder.decode(res.stderr) };
      };
      const entries = ENTRIES.filter((x) => entryExists(x));
      const results = new Map<string, { code: number; text: string }>();
      for (let i = 0; i < entries.length; i += 2) {
        const pair = entries.slice(i, i + 2);
        (await Promise.all(pair.map(compile))).forEach((r, j) => results.set(pair[j].name, r));
      }
      for (const e of entries) {
        await t.step(e.name, () => {
          const { code, text } = results.get(e.name)!;
          assert.equal(code, 0, text.slice(-2000));
          for (const inc of e.include) assert.ok(text.includes(inc.split("/").at(-1)!), inc);
          if (e.name === "replica") {
            assert.match(text, /ort-wasm-simd-threaded\.wasm/);
            assert.doesNotMatch(text, /ort-wasm-simd-threaded\.jsep\.wasm/);
          }
        });
      }
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});
