/**
 * A stand-in replica for dispatcher tests: a real HTTP server on loopback that answers
 * `/predict` after `--delay-ms`, with readiness switchable at `POST /control/ready?value=0|1`.
 * It logs `listening` and `ready` like the real replica.
 *
 * Usage: deno run -A tests/support/stub_replica.ts --port 0 --delay-ms 20 --name a
 *
 * @module
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    port: { type: "string", default: "0" },
    "delay-ms": { type: "string", default: "0" },
    name: { type: "string", default: "stub" },
  },
});
const delayMs = Number(values["delay-ms"]);
let ready = true;
let served = 0;
const server = Deno.serve(
  { hostname: "127.0.0.1", port: Number(values.port), onListen() {} },
  async (req) => {
    const url = new URL(req.url);
    const headers = { "x-replica": values.name!, "content-type": "application/json" };
    if (url.pathname === "/readyz") {
      return new Response(JSON.stringify({ ready }), {
        status: ready ? 200 : 503,
        headers,
      });
    }
    if (url.pathname === "/control/ready") {
      ready = url.searchParams.get("value") === "1";
      return new Response("{}", { headers });
    }
    if (url.pathname === "/stats") return new Response(JSON.stringify({ served }), { headers });
    const body = new Uint8Array(await req.arrayBuffer());
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    served++;
    return new Response(
      JSON.stringify({
        success: true,
        replica: values.name,
        bytes: body.length,
        deadline: req.headers.get("x-request-deadline-ms"),
        path: url.pathname + url.search,
      }),
      { headers },
    );
  },
);
console.error(JSON.stringify({ event: "listening", port: server.addr.port }));
console.error(JSON.stringify({ event: "ready" }));
