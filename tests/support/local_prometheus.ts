/**
 * A real Prometheus server (Debian's `prometheus` binary) on a loopback port for tests, with a
 * temporary data directory, scraping static targets every second.
 *
 * @module
 */

/** A running Prometheus. */
export interface LocalPrometheus {
  /** Base URL, `http://127.0.0.1:PORT`. */
  url: string;
  /** Instant query; resolves to the result vector (throws on a query error). */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** Stops the server and removes its data. */
  stop(): Promise<void>;
}

/** Whether a `prometheus` binary is on PATH. */
export async function hasPrometheus(): Promise<boolean> {
  return await new Deno.Command("prometheus", {
    args: ["--version"],
    stdout: "null",
    stderr: "null",
  })
    .output().then((o) => o.success).catch(() => false);
}

/** A loopback port free right now (for processes a test starts after Prometheus). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * Starts Prometheus scraping `jobs` (job name → `host:port` targets) every second, with
 * `ruleFiles` loaded; resolves once `/-/ready` answers. Prometheus applies discovered targets on
 * a 5 s tick, so the first scrape comes about 5 s after the start: start it before the targets.
 */
export async function startPrometheus(
  jobs: Record<string, string[]>,
  options: { ruleFiles?: string[] } = {},
): Promise<LocalPrometheus> {
  const dir = await Deno.makeTempDir({ prefix: "prometheus_" });
  const config = {
    global: { scrape_interval: "1s", scrape_timeout: "900ms", evaluation_interval: "1s" },
    rule_files: options.ruleFiles ?? [],
    scrape_configs: Object.entries(jobs).map(([job, targets]) => ({
      job_name: job,
      static_configs: [{ targets }],
    })),
  };
  await Deno.writeTextFile(`${dir}/prometheus.yml`, JSON.stringify(config));
  const port = freePort();
  const child = new Deno.Command("prometheus", {
    args: [
      `--config.file=${dir}/prometheus.yml`,
      `--storage.tsdb.path=${dir}/data`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    await child.status;
    await Deno.remove(dir, { recursive: true });
  };
  const until = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/-/ready`);
      await res.body?.cancel();
      if (res.ok) break;
    } catch { /* not yet */ }
    if (Date.now() > until) {
      await stop();
      throw new Error("prometheus did not become ready in 30 s");
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async query(expr) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = await res.json();
      if (body.status !== "success") {
        throw new Error(`query ${expr} failed: ${body.errorType}: ${body.error}`);
      }
      return body.data.result;
    },
    stop,
  };
}
