/**
 * A real Prometheus (the `prometheus` binary on PATH, Debian's in CI) on a loopback port, with a
 * temporary data directory: for live comparisons, the e2e suite and tests. It can be stopped and
 * started again on the same port and data (the outage scenario).
 *
 * Prometheus applies discovered and static targets on a 5 s tick, so the first scrape comes about
 * 5 s after its start: start it before its targets.
 *
 * @module
 */

/** What Prometheus scrapes: static `host:port` targets per job, or HTTP service discovery. */
export interface ScrapeTargets {
  /** Job name → `host:port` targets. */
  jobs?: Record<string, string[]>;
  /** HTTP service-discovery URL (one job, `resnet`, refreshed every second). */
  sdUrl?: string;
}

/** Options of {@link prometheusConfig}. */
export interface ConfigOptions {
  /** Scrape and rule-evaluation interval, seconds (default 1). */
  scrapeSeconds?: number;
  /** Rule files to load. */
  ruleFiles?: string[];
}

/** One series of an instant query's result vector. */
export interface Sample {
  /** Labels. */
  metric: Record<string, string>;
  /** `[unix seconds, value]`. */
  value: [number, string];
}

/** A running (or stopped, restartable) Prometheus. */
export interface RunningPrometheus {
  /** Base URL, `http://127.0.0.1:PORT`. */
  url: string;
  /** Instant query → result vector (throws when Prometheus is down or the query fails). */
  query(expr: string): Promise<Sample[]>;
  /** Stops the server (SIGTERM, then waits); its data stay for {@link RunningPrometheus.start}. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data; resolves once ready. */
  start(): Promise<void>;
  /** Stops it and removes its data directory. */
  dispose(): Promise<void>;
}

/** Whether a `prometheus` binary runs here. */
export async function prometheusOnPath(): Promise<boolean> {
  return await new Deno.Command("prometheus", {
    args: ["--version"],
    stdout: "null",
    stderr: "null",
  }).output().then((o) => o.success).catch(() => false);
}

/** A loopback port free right now (for a process started after Prometheus). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** The configuration file's content (JSON is YAML) for `targets` (pure). */
export function prometheusConfig(
  targets: ScrapeTargets,
  options: ConfigOptions = {},
): Record<string, unknown> {
  const seconds = options.scrapeSeconds ?? 1;
  const scrapeConfigs: Record<string, unknown>[] = Object.entries(targets.jobs ?? {}).map((
    [job, hosts],
  ) => ({ job_name: job, static_configs: [{ targets: hosts }] }));
  if (targets.sdUrl) {
    scrapeConfigs.push({
      job_name: "resnet",
      http_sd_configs: [{ url: targets.sdUrl, refresh_interval: "1s" }],
    });
  }
  return {
    global: {
      scrape_interval: `${seconds}s`,
      scrape_timeout: `${Math.round(Math.max(0.5, seconds * 0.9) * 1000)}ms`,
      evaluation_interval: `${seconds}s`,
    },
    rule_files: options.ruleFiles ?? [],
    scrape_configs: scrapeConfigs,
  };
}

/** Command-line flags for a server with its files in `dir`, listening on `port`. */
export function prometheusArgs(dir: string, port: number): string[] {
  return [
    `--config.file=${dir}/prometheus.yml`,
    `--storage.tsdb.path=${dir}/data`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--log.level=warn",
  ];
}

/** Writes the configuration into a new temporary directory; resolves to the directory. */
export async function prometheusDir(
  targets: ScrapeTargets,
  options: ConfigOptions & { prefix?: string } = {},
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: options.prefix ?? "prometheus_" });
  await Deno.writeTextFile(
    `${dir}/prometheus.yml`,
    JSON.stringify(prometheusConfig(targets, options)),
  );
  return dir;
}

/** Instant query against the server at `url`. */
export async function queryPrometheus(
  url: string,
  expr: string,
  timeoutMs = 2000,
): Promise<Sample[]> {
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`, {
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = await res.json();
  if (body.status !== "success") {
    throw new Error(`query ${expr} failed: ${body.errorType}: ${body.error}`);
  }
  return body.data.result as Sample[];
}

/** Whether `/-/ready` answers 200 now. */
export async function prometheusReady(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * Starts Prometheus scraping `targets`; resolves once `/-/ready` answers, and rejects with the
 * server's own last words if it exits or is not ready in `readyTimeoutMs` (default 30 s).
 */
export async function startPrometheus(
  targets: ScrapeTargets,
  options: ConfigOptions & { readyTimeoutMs?: number; prefix?: string } = {},
): Promise<RunningPrometheus> {
  const dir = await prometheusDir(targets, options);
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  let stop = () => Promise.resolve();
  const start = async () => {
    const child = new Deno.Command("prometheus", {
      args: prometheusArgs(dir, port),
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let output = "";
    const drain = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child.stderr) {
        output = (output + decoder.decode(chunk, { stream: true })).slice(-2000);
      }
    })();
    let exited = false;
    child.status.then(() => exited = true);
    stop = async () => {
      stop = () => Promise.resolve();
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      await child.status;
      await drain;
    };
    const until = Date.now() + (options.readyTimeoutMs ?? 30_000);
    while (!(await prometheusReady(url))) {
      if (exited || Date.now() > until) {
        await stop();
        throw new Error(
          `prometheus on port ${port} did not become ready${exited ? " (it exited)" : ""}: ${
            output.trim() || "no output"
          }`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  try {
    await start();
  } catch (err) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw err;
  }
  return {
    url,
    query: (expr) => queryPrometheus(url, expr),
    stop: () => stop(),
    start,
    async dispose() {
      await stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
