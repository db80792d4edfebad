/**
 * Dispatcher figures, side by side in one run:
 *
 * - proxy throughput to a no-op upstream: the dispatcher against Debian's nginx as a keep-alive
 *   reverse proxy to the same upstream, and the upstream direct, all with the same wrk client;
 * - added latency at 1,000 req/s (open loop, the project's load tester): p50/p99 through the
 *   dispatcher minus direct.
 *
 * Usage: deno run -A bench/dispatcher_bench.ts [--seconds 5] → one JSON object on the last line.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type Started, startScript } from "../tests/support/process.ts";

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return text;
}

/** Requests/s of wrk against `url`, after a 6 s warm-up run (V8 tiers the relay up for seconds). */
async function wrk(url: string, seconds: number, script: string): Promise<number> {
  await run("wrk", ["-t1", "-c32", "-d6s", "-s", script, url]);
  const text = await run("wrk", ["-t1", "-c32", `-d${seconds}s`, "-s", script, url]);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  if (!rps) throw new Error(`wrk printed no rate: ${text}`);
  if (non2xx) throw new Error(`wrk saw ${non2xx[1]} non-2xx answers from ${url}`);
  return Number(rps[1]);
}

async function startNginx(
  dir: string,
  upstreamPort: number,
): Promise<{ port: number; stop(): Promise<void> }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const conf = `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream up { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`;
  await Deno.writeTextFile(`${dir}/nginx.conf`, conf);
  const child = new Deno.Command("nginx", {
    args: ["-c", `${dir}/nginx.conf`],
    stdout: "null",
    stderr: "null",
  }).spawn();
  for (let i = 0; i < 100; i++) {
    try {
      (await fetch(`http://127.0.0.1:${port}/readyz`)).body?.cancel();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    port,
    async stop() {
      child.kill("SIGQUIT");
      await child.status;
    },
  };
}

async function openLoop(endpoint: string, seconds: number): Promise<Record<string, number>> {
  const args = [
    "run",
    "-A",
    "loadtest.ts",
    `--endpoint=${endpoint}`,
    `--shape=constant:rate=1000`,
    `--duration=${seconds}`,
    "--body=raw",
    "--synthetic=16x16",
    "--quiet",
    "--json",
    "--warmup=64",
  ];
  const text = await run(Deno.execPath(), args);
  const summary = JSON.parse(text);
  const ms = summary.latency_ms?.corrected ?? summary.latency_ms ?? summary.latency;
  return {
    p50: ms.p50,
    p99: ms.p99,
    sent: summary.totals?.sent ?? summary.sent,
    ok: summary.totals?.ok ?? summary.ok,
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { seconds: { type: "string", default: "5" } },
  });
  const seconds = Number(values.seconds);
  const dir = await Deno.makeTempDir();
  const script = `${dir}/post.lua`;
  await Deno.writeTextFile(
    script,
    'wrk.method = "POST"\nwrk.body = "x"\nwrk.headers["Content-Type"] = "image/jpeg"\n',
  );
  const upstream: Started = await startScript("tests/support/stub_replica.ts", ["--name=noop"]);
  const dispatcher = await startScript("dispatcher.ts", [
    "--host=127.0.0.1",
    "--port=0",
    `--replicas=${upstream.url}`,
    "--per-replica-inflight=1000",
    "--health-interval-s=1",
  ]);
  await new Promise((r) => setTimeout(r, 300));
  const nginx = await startNginx(dir, upstream.port);
  const direct = await wrk(`${upstream.url}/predict`, seconds, script);
  const viaNginx = await wrk(`http://127.0.0.1:${nginx.port}/predict`, seconds, script);
  const viaDispatcher = await wrk(`${dispatcher.url}/predict`, seconds, script);
  const latDirect = await openLoop(`${upstream.url}/predict`, seconds);
  const latDispatcher = await openLoop(`${dispatcher.url}/predict`, seconds);
  await nginx.stop();
  await dispatcher.stop();
  await upstream.stop();
  await Deno.remove(dir, { recursive: true });
  console.log(JSON.stringify({
    client: "wrk -t1 -c32, POST 1-byte body",
    throughput_rps: { direct: direct, nginx: viaNginx, dispatcher: viaDispatcher },
    dispatcher_over_nginx: round(viaDispatcher / viaNginx),
    latency_at_1000_rps_ms: { direct: latDirect, dispatcher: latDispatcher },
    added_latency_ms: {
      p50: round(latDispatcher.p50 - latDirect.p50),
      p99: round(latDispatcher.p99 - latDirect.p99),
    },
  }));
}
