/**
 * Dispatcher figures, side by side in one run:
 *
 * - proxy throughput to a no-op upstream: the dispatcher against Debian's nginx as a keep-alive
 *   reverse proxy to the same upstream, and the upstream direct, all with the same wrk client
 *   (`-t1 -c32`). Each target is warmed up first; then nginx and the dispatcher are measured
 *   alternately for `--rounds` rounds (the order flips each round), so a change in the machine's
 *   load hits both alike: the figures are medians, the ratio the median of the per-round ratios.
 *   Also each proxy's CPU per request (from /proc: user + system time of its processes during
 *   the run over the requests served), which depends far less on what else runs.
 * - added latency at 1,000 req/s (open loop, the project's load tester): p50/p99 through the
 *   dispatcher minus direct, per round (direct and dispatcher alternately), median over rounds.
 *
 * Usage: deno run -A bench/dispatcher_bench.ts [--seconds 5] [--rounds 3] → one JSON object on
 * the last line.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type Started, startScript } from "../tests/support/process.ts";
import { median } from "../lib/shared/mod.ts";

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

/** CPU time (user + system, ms) of processes `pids` so far. */
async function cpuMs(pids: number[]): Promise<number> {
  let ticks = 0;
  for (const pid of pids) {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`).catch(() => "");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields.length > 12) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

/** Process ids of `pid` and its children. */
async function withChildren(pid: number): Promise<number[]> {
  const out = [pid];
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    const stat = await Deno.readTextFile(`/proc/${e.name}/stat`).catch(() => "");
    if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) {
      out.push(Number(e.name));
    }
  }
  return out;
}

interface WrkRun {
  rps: number;
  /** CPU µs per request of the measured processes. */
  cpuUs: number;
}

/** One wrk run against `url`; `pids`: the processes whose CPU per request to report. */
async function wrk(url: string, seconds: number, script: string, pids: number[]): Promise<WrkRun> {
  const before = await cpuMs(pids);
  const text = await run("wrk", ["-t1", "-c32", `-d${seconds}s`, "-s", script, url]);
  const cpu = await cpuMs(pids) - before;
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text);
  const count = /(\d+) requests in/.exec(text);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  if (!rps || !count) throw new Error(`wrk printed no rate: ${text}`);
  if (non2xx) throw new Error(`wrk saw ${non2xx[1]} non-2xx answers from ${url}`);
  return { rps: Number(rps[1]), cpuUs: round(cpu * 1000 / Number(count[1])) };
}

/** Warms `url` up (V8 tiers the relay up for seconds). */
async function warm(url: string, script: string): Promise<void> {
  await run("wrk", ["-t1", "-c32", "-d6s", "-s", script, url]);
}

async function startNginx(
  dir: string,
  upstreamPort: number,
): Promise<{ port: number; pid: number; stop(): Promise<void> }> {
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
    pid: child.pid,
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
    options: {
      seconds: { type: "string", default: "5" },
      rounds: { type: "string", default: "3" },
    },
  });
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);
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
  const nginxPids = await withChildren(nginx.pid);
  const targets = {
    nginx: { url: `http://127.0.0.1:${nginx.port}/predict`, pids: nginxPids },
    dispatcher: { url: `${dispatcher.url}/predict`, pids: [dispatcher.child.pid] },
  };
  await warm(`${upstream.url}/predict`, script);
  const direct = await wrk(`${upstream.url}/predict`, seconds, script, [upstream.child.pid]);
  for (const t of Object.values(targets)) await warm(t.url, script);
  const runs: { nginx: WrkRun; dispatcher: WrkRun }[] = [];
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? ["nginx", "dispatcher"] as const : ["dispatcher", "nginx"] as const;
    const r = {} as { nginx: WrkRun; dispatcher: WrkRun };
    for (const name of order) {
      r[name] = await wrk(targets[name].url, seconds, script, targets[name].pids);
    }
    runs.push(r);
  }
  const lat: { direct: Record<string, number>; dispatcher: Record<string, number> }[] = [];
  for (let i = 0; i < rounds; i++) {
    lat.push({
      direct: await openLoop(`${upstream.url}/predict`, seconds),
      dispatcher: await openLoop(`${dispatcher.url}/predict`, seconds),
    });
  }
  await nginx.stop();
  await dispatcher.stop();
  await upstream.stop();
  await Deno.remove(dir, { recursive: true });
  const mid = (f: (r: (typeof runs)[number]) => number) => round(median(runs.map(f)));
  const midLat = (f: (r: (typeof lat)[number]) => number) => round(median(lat.map(f)));
  console.log(JSON.stringify({
    client: "wrk -t1 -c32, POST 1-byte body",
    rounds,
    throughput_rps: {
      direct: direct.rps,
      nginx: mid((r) => r.nginx.rps),
      dispatcher: mid((r) => r.dispatcher.rps),
    },
    dispatcher_over_nginx: mid((r) => r.dispatcher.rps / r.nginx.rps),
    cpu_us_per_request: {
      direct: direct.cpuUs,
      nginx: mid((r) => r.nginx.cpuUs),
      dispatcher: mid((r) => r.dispatcher.cpuUs),
    },
    per_round: runs.map((r) => ({
      nginx_rps: r.nginx.rps,
      dispatcher_rps: r.dispatcher.rps,
      ratio: round(r.dispatcher.rps / r.nginx.rps),
    })),
    latency_at_1000_rps_ms: {
      direct: { p50: midLat((r) => r.direct.p50), p99: midLat((r) => r.direct.p99) },
      dispatcher: { p50: midLat((r) => r.dispatcher.p50), p99: midLat((r) => r.dispatcher.p99) },
    },
    added_latency_ms: {
      p50: midLat((r) => r.dispatcher.p50 - r.direct.p50),
      p99: midLat((r) => r.dispatcher.p99 - r.direct.p99),
    },
    latency_per_round: lat.map((r) => ({
      direct: [r.direct.p50, r.direct.p99],
      dispatcher: [r.dispatcher.p50, r.dispatcher.p99],
    })),
  }));
}
