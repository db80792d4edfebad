/**
 * Runs the real `prometheus` binary (Debian package) for tests: static scrape targets, 1 s scrape
 * interval, storage in a temporary directory, listening on a free loopback port.
 *
 * @module
 */

/** A running Prometheus. */
export interface RunningPrometheus {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** Stops it (SIGTERM, then waits). */
  stop(): Promise<void>;
  /** Starts it again on the same port and storage. */
  start(): Promise<void>;
  /** Stops it and removes its storage. */
  dispose(): Promise<void>;
}

/** True when a `prometheus` binary is on PATH. */
export async function prometheusInstalled(): Promise<boolean> {
  const out = await new Deno.Command("sh", {
    args: ["-c", "command -v prometheus"],
    stdout: "null",
    stderr: "null",
  })
    .output();
  return out.success;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Starts Prometheus scraping `targets` (job → base URLs) every `scrapeIntervalS` seconds. */
export async function startPrometheus(
  targets: Record<string, string[]>,
  options: { scrapeIntervalS?: number } = {},
): Promise<RunningPrometheus> {
  const dir = await Deno.makeTempDir({ prefix: "prom-test-" });
  const interval = `${options.scrapeIntervalS ?? 1}s`;
  const jobs = Object.entries(targets).map(([job, urls]) =>
    [
      `  - job_name: ${job}`,
      `    static_configs:`,
      `      - targets: [${urls.map((u) => JSON.stringify(new URL(u).host)).join(", ")}]`,
    ].join("\n")
  );
  const config =
    `global:\n  scrape_interval: ${interval}\n  scrape_timeout: ${interval}\n  evaluation_interval: ${interval}\nscrape_configs:\n${
      jobs.join("\n")
    }\n`;
  await Deno.writeTextFile(`${dir}/prometheus.yml`, config);
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: Deno.ChildProcess | undefined;
  const start = async () => {
    child = new Deno.Command("prometheus", {
      args: [
        `--config.file=${dir}/prometheus.yml`,
        `--storage.tsdb.path=${dir}/data`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--web.enable-lifecycle",
        "--log.level=warn",
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    const until = Date.now() + 30_000;
    for (;;) {
      const ok = await fetch(`${url}/-/ready`).then(async (r) => (await r.body?.cancel(), r.ok))
        .catch(() => false);
      if (ok) return;
      if (Date.now() > until) throw new Error(`prometheus not ready on ${url} in 30 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const stop = async () => {
    if (!child) return;
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    await child.status;
    child = undefined;
  };
  await start();
  return {
    url,
    start,
    stop,
    async dispose() {
      await stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
