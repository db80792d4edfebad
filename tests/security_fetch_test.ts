/**
 * No server fetches a URL taken from a request. Two checks:
 *
 * 1. A review table of every file that opens outbound connections (`fetch`, `Deno.connect`,
 *    `Deno.createHttpClient`, the Kubernetes client) with where its URLs come from; a new file
 *    that makes requests fails this test until it is reviewed and added. The request handlers
 *    themselves (the apps, the body and image code) make none.
 * 2. The one place a request's data reaches an outbound URL, the dispatcher's relay (the path),
 *    is attacked with host-changing paths, queries, absolute-form request targets and a forged
 *    `Host`: every request either reaches the configured replica or is refused, and a canary
 *    listener named in those inputs is never contacted.
 *
 * The dispatcher's admin API does take replica URLs from requests and probes them; it is
 * loopback-only or token-protected (tests/security_access_test.ts).
 */
import assert from "node:assert/strict";
import { startDispatcher, type Started, startScript } from "./support/process.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** Every file allowed to open outbound connections, and where its URLs come from. */
const REVIEWED: Record<string, string> = {
  "lib/dispatcher/relay.ts":
    "replica URLs from the pool (flags, admin API, EndpointSlices) + routed path",
  "lib/http1/connection.ts":
    "through lib/dispatcher/relay.ts: replica URLs from the pool + routed path",
  "lib/dispatcher/health_checks.ts": "replica URLs from the pool",
  "lib/metrics/promql.ts": "--prometheus flag",
  "lib/metrics/scraper.ts": "--scrape-targets, --dispatcher, replicas the dispatchers list",
  "lib/metrics/source.ts": "through promql.ts and scrape.ts",
  "lib/actuator/dispatcher_admin.ts": "--dispatcher flag",
  "lib/actuator/replica_process.ts": "replica processes it started (loopback port from their log)",
  "lib/k8s/client.ts": "the Kubernetes API server from kubeconfig / in-cluster config",
  "lib/k8s/scale.ts": "the Kubernetes API server from kubeconfig / in-cluster config",
  "lib/k8s/endpoint_slices.ts": "the Kubernetes API server from kubeconfig / in-cluster config",
  "lib/loadtest/sender.ts": "load tester: --endpoint flag (a client, not a server)",
  "lib/compare/measure_calibration.ts": "compare tool: the stack it started",
  "lib/compare/live_mode.ts": "compare tool: the stack it started",
  "lib/compare/live_stack.ts": "compare tool: the stack it started",
  "lib/metrics/prometheus.ts": "the Prometheus a tool started (readiness, queries)",
  "models/build.ts": "model build: --from flag (build time)",
};

/** Files that handle requests: they must make no outbound calls. */
const HANDLERS = [
  "lib/replica/app.ts",
  "lib/dispatcher/app.ts",
  "lib/autoscaler/app.ts",
  "lib/http/body.ts",
  "lib/replica/oip.ts",
  "lib/image/preprocess.ts",
];

const OUTBOUND = [
  /(?<![.\w])fetch\s*\(/, // fetch( but not app.fetch( or x.fetch(
  /\(\s*\w+\.fetch\s*\?\?\s*fetch\s*\)\s*\(/, // (o.fetch ?? fetch)(
  /=\s*\w+\.fetch\s*\?\?\s*fetch\b/, // const doFetch = o.fetch ?? fetch
  /\bDeno\.(connect|connectTls|createHttpClient|startTls)\b/,
  /\bnew\s+WebSocket\s*\(/,
  /from\s+["']@kubernetes\/client-node["']/,
];

/** Product code: not a unit test beside its module, nor the test fakes in lib/testing/. */
function isProductSource(path: string): boolean {
  return path.endsWith(".ts") && !path.endsWith("_test.ts") && !path.startsWith("lib/testing/");
}

async function sourceFiles(): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(`${ROOT}${dir}`)) {
      const path = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory && ["lib", "models", "scripts"].some((d) => path.startsWith(d))) {
        await walk(path);
      } else if (e.isFile && isProductSource(path) && (dir !== "" || !path.includes("/"))) {
        out.push(path);
      }
    }
  };
  await walk("");
  await walk("lib");
  await walk("models");
  await walk("scripts");
  return [...new Set(out)].sort();
}

Deno.test("outbound connections: only reviewed files make them", async () => {
  const files = await sourceFiles();
  assert.ok(files.includes("lib/dispatcher/relay.ts") && files.includes("dispatcher.ts"));
  const calling: string[] = [];
  for (const file of files) {
    const text = (await Deno.readTextFile(`${ROOT}${file}`))
      .split("\n").filter((l) => !/^\s*(\*|\/\/)/.test(l)).join("\n");
    if (OUTBOUND.some((re) => re.test(text))) calling.push(file);
  }
  const unreviewed = calling.filter((f) => !(f in REVIEWED) && !f.startsWith("e2e"));
  assert.deepEqual(unreviewed, [], "review these files' outbound URLs and add them to REVIEWED");
  for (const handler of HANDLERS) assert.ok(!calling.includes(handler), handler);
  assert.ok(calling.includes("lib/dispatcher/relay.ts"), "the scan finds the dispatcher's relay");
});

/** Sends `text` on a new connection to `port` and reads the answer until the server closes. */
async function rawRequest(port: number, text: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode(text));
  let answer = "";
  const buf = new Uint8Array(4096);
  for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
    answer += new TextDecoder().decode(buf.subarray(0, n));
  }
  conn.close();
  return answer;
}

Deno.test({
  name: "dispatcher relay: request data never chooses the upstream host",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const canary = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const canaryAddr = `127.0.0.1:${(canary.addr as Deno.NetAddr).port}`;
    let contacted = 0;
    (async () => {
      for await (const conn of canary) {
        contacted++;
        conn.close();
      }
    })();
    const started: Started[] = [];
    try {
      const stub = await startScript("tests/support/stub_replica.ts", ["--name=stub"]);
      started.push(stub);
      const d = await startDispatcher([stub]);
      started.push(d);
      await new Promise((r) => setTimeout(r, 300));
      const paths = [
        `/predict?url=http://${canaryAddr}/`,
        `/predict?next=//${canaryAddr}`,
        `/v2/models/x@${canaryAddr}/ready`,
        `/v2/models/..%2F..%2F${encodeURIComponent(canaryAddr)}/ready`,
        `//${canaryAddr}/predict`,
        `/v2/models/resnet18@${canaryAddr}`,
      ];
      for (const path of paths) {
        await t.step(`path ${path}`, async () => {
          const method = path.startsWith("/predict") ? "POST" : "GET";
          const res = await fetch(`${d.url}${path}`, {
            method,
            body: method === "POST" ? "img" : undefined,
          });
          const body = await res.json();
          if (res.status === 200) {
            assert.equal(res.headers.get("x-replica"), "stub");
            assert.ok(String(body.path).startsWith("/"), body.path);
          } else {
            assert.equal(res.status, 404, JSON.stringify(body));
          }
        });
      }
      await t.step("absolute-form target and forged Host reach the replica", async () => {
        for (
          const head of [
            `POST http://${canaryAddr}/predict HTTP/1.1\r\nHost: ${canaryAddr}\r\n`,
            `POST /predict HTTP/1.1\r\nHost: ${canaryAddr}\r\n`,
          ]
        ) {
          const text = await rawRequest(
            d.port,
            `${head}Content-Length: 3\r\nConnection: close\r\n\r\nimg`,
          );
          assert.match(text, /^HTTP\/1\.1 200/);
          assert.match(text, /x-replica: stub/i);
        }
      });
      await t.step("a Host that is not host[:port] is a 400 and chooses no route", async () => {
        const admin = `127.0.0.1/admin/replicas?url=http://${canaryAddr}&`;
        for (
          const head of [
            `PUT /predict HTTP/1.1\r\nHost: ${admin}\r\nContent-Length: 0\r\n`,
            `POST /healthz HTTP/1.1\r\nHost: 127.0.0.1/predict?\r\nContent-Length: 3\r\n`,
          ]
        ) {
          const answer = await rawRequest(d.port, `${head}Connection: close\r\n\r\nimg`);
          assert.match(answer, /^HTTP\/1\.1 400/, answer);
          assert.match(answer, /Host must be host\[:port\]/);
        }
        const { replicas } = await fetch(`${d.url}/admin/replicas`).then((r) => r.json());
        assert.deepEqual(replicas.map((r: { url: string }) => r.url), [stub.url]);
      });
      await t.step("the canary was never contacted", () => assert.equal(contacted, 0));
    } finally {
      for (const s of started.reverse()) await s.stop();
      canary.close();
    }
  },
});
