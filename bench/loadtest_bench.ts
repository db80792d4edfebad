/**
 * Load tester figures (issue 5), as a child process of the bench runner: achieved send rate vs
 * offered at 200, 1,000 and 2,000 req/s, schedule lag, and reported median latency against a
 * server that answers after a fixed 20 ms.
 *
 * The server runs in a separate process (`deno run -A bench/loadtest_bench.ts serve`) so it does
 * not share the load tester's event loop. It holds each request with `setTimeout(20)`, measures the
 * hold it actually gave (Deno's timers overshoot by ~1–2 ms), and reports the median at
 * `GET /stats`: the "true" server time that the client's median is compared with.
 *
 * Usage: deno run -A bench/loadtest_bench.ts [SECONDS_PER_RATE [LOADTEST_FLAGS...]] → one JSON
 * line last on stdout. Extra flags go to every run (A/B: `10 --client fetch`).
 *
 * @module
 */
import { createApp, parseLoadArgs } from "../lib/loadtest/mod.ts";
import { median } from "../lib/shared/mod.ts";

const HOLD_MS = 20;

function serve(): void {
  let holds: number[] = [];
  Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => console.log(`port ${port}`),
  }, async (req) => {
    const start = performance.now();
    if (new URL(req.url).pathname === "/stats") {
      const body = JSON.stringify({
        count: holds.length,
        median_ms: holds.length ? median(holds) : 0,
      });
      holds = [];
      return new Response(body);
    }
    await req.arrayBuffer();
    await new Promise((r) => setTimeout(r, HOLD_MS));
    holds.push(performance.now() - start);
    return new Response("{}", { headers: { "x-replica": "bench" } });
  });
}

async function startServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, "serve"],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/port (\d+)/.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`bench server exited before listening: ${text}`);
    text += value;
  }
  const port = /port (\d+)/.exec(text)![1];
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      child.kill("SIGTERM");
      reader.releaseLock();
      await child.stdout.cancel().catch(() => {});
      await child.status;
    },
  };
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

async function measure(url: string, rate: number, seconds: number, extra: string[]) {
  const args = [
    "--endpoint",
    `${url}/predict`,
    "--workload",
    Array(seconds).fill(rate).join(","),
    "--synthetic",
    "224x224",
    "--quiet",
    "--warmup",
    "32",
    "--seed",
    "1",
    ...extra,
  ];
  const opts = parseLoadArgs(args);
  if (opts === "help") throw new Error("unreachable");
  await (await fetch(`${url}/stats`)).arrayBuffer(); // resets the server's holds
  const { summary } = await createApp({ out: () => {}, progress: () => {} }).run(opts);
  const server = await (await fetch(`${url}/stats`)).json();
  return {
    rate,
    seconds,
    offered: summary.requests.offered,
    ok: summary.requests.ok,
    dropped: summary.requests.dropped,
    offered_rps: summary.rates.offered,
    sent_rps: summary.rates.sent,
    send_ratio: r3(summary.rates.sent / summary.rates.offered),
    lag_p50_ms: summary.schedule_lag_ms.p50,
    lag_p99_ms: summary.schedule_lag_ms.p99,
    latency_p50_ms: summary.latency_ms.corrected.p50,
    uncorrected_p50_ms: summary.latency_ms.uncorrected.p50,
    latency_p99_ms: summary.latency_ms.corrected.p99,
    server_hold_p50_ms: r3(server.median_ms),
    p50_minus_server_ms: r3(summary.latency_ms.corrected.p50 - server.median_ms),
  };
}

if (import.meta.main) {
  if (Deno.args[0] === "serve") serve();
  else {
    const seconds = Number(Deno.args[0] ?? 10);
    const server = await startServer();
    const runs: Awaited<ReturnType<typeof measure>>[] = [];
    try {
      for (const rate of [200, 1000, 2000]) {
        const run = await measure(server.url, rate, seconds, Deno.args.slice(1));
        console.error(JSON.stringify(run));
        runs.push(run);
      }
    } finally {
      await server.stop();
    }
    const at = (rate: number) => runs.find((r) => r.rate === rate)!;
    console.log(JSON.stringify({
      runs,
      send_ratio: {
        r200: at(200).send_ratio,
        r1000: at(1000).send_ratio,
        r2000: at(2000).send_ratio,
      },
      lag_p99_ms_at_1000: at(1000).lag_p99_ms,
      median_vs_server_ms_at_200: at(200).p50_minus_server_ms,
    }));
    Deno.exit(0);
  }
}
