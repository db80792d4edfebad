/**
 * A stand-in replica exposing the real replica's metrics (lib/metrics/definitions.ts `replicaMetrics`: the
 * `inference_latency_seconds` histogram with the project's buckets, `inference_in_progress`,
 * `inference_requests_total{code}`, and the default process metrics) driven by load: each
 * `POST /predict` sleeps a latency drawn from a fixed cycle spanning several buckets
 * (`--base-ms` × 1..8), so the metric sources have something real to agree on without running
 * the model.
 *
 * Usage: deno run -A tests/support/metrics_stub_replica.ts --port 0 --base-ms 20
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createRegistry, replicaMetrics } from "../../lib/metrics/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    "base-ms": { type: "string", default: "20" },
  },
});
const baseMs = Number(values["base-ms"]);
const CYCLE = [1, 1.5, 2, 1, 3, 1.2, 2.5, 8, 1, 4, 1.8, 6];
const registry = createRegistry();
const metrics = replicaMetrics(registry);
let n = 0;
let draining = false;
const server: Deno.HttpServer<Deno.NetAddr> = Deno.serve(
  { hostname: values.host, port: Number(values.port), onListen() {} },
  async (req): Promise<Response> => {
    const url = new URL(req.url);
    if (url.pathname === "/metrics") {
      return new Response(await registry.metrics(), {
        headers: { "content-type": registry.contentType },
      });
    }
    if (url.pathname === "/readyz") {
      return new Response(draining ? "draining" : "ok", { status: draining ? 503 : 200 });
    }
    if (url.pathname === "/healthz") return new Response("ok");
    await req.body?.cancel();
    const started = performance.now();
    metrics.inProgress.inc();
    await new Promise((r) => setTimeout(r, baseMs * CYCLE[n++ % CYCLE.length]));
    metrics.inProgress.dec();
    metrics.latency.observe((performance.now() - started) / 1000);
    metrics.requests.inc({ code: "200" });
    return Response.json({ success: true }, { headers: { "x-replica": String(server.addr.port) } });
  },
);
console.error(JSON.stringify({ event: "listening", port: server.addr.port }));
console.error(JSON.stringify({ event: "ready" }));
Deno.addSignalListener("SIGTERM", async () => {
  draining = true;
  await server.shutdown();
  Deno.exit(0);
});
