/**
 * A real Prometheus (the `prometheus` binary on PATH) for a live comparison run: a temporary data
 * directory, targets discovered from the autoscaler's `/sd` endpoint (HTTP service discovery),
 * scraped every second. Started before its targets: Prometheus applies discovered targets on a
 * 5 s tick.
 *
 * @module
 */

/** A running Prometheus. */
export interface RunningPrometheus {
  /** Base URL, `http://127.0.0.1:PORT`. */
  url: string;
  /** Stops the server and removes its data directory. */
  stop(): Promise<void>;
}

/** Whether a `prometheus` binary runs here. */
export async function prometheusOnPath(): Promise<boolean> {
  return await new Deno.Command("prometheus", {
    args: ["--version"],
    stdout: "null",
    stderr: "null",
  }).output().then((o) => o.success).catch(() => false);
}

/** A loopback port free right now. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** The Prometheus configuration: one job discovering its targets from `sdUrl`. */
export function prometheusConfig(sdUrl: string, scrapeSeconds = 1): Record<string, unknown> {
  return {
    global: {
      scrape_interval: `${scrapeSeconds}s`,
      scrape_timeout: `${Math.round(Math.max(0.5, scrapeSeconds * 0.9) * 1000)}ms`,
      evaluation_interval: `${scrapeSeconds}s`,
    },
    scrape_configs: [{
      job_name: "resnet",
      http_sd_configs: [{ url: sdUrl, refresh_interval: "1s" }],
    }],
  };
}

/** Starts Prometheus discovering targets from `sdUrl`; resolves once `/-/ready` answers. */
export async function startPrometheus(
  sdUrl: string,
  options: { scrapeSeconds?: number; readyTimeoutMs?: number } = {},
): Promise<RunningPrometheus> {
  const dir = await Deno.makeTempDir({ prefix: "compare_prometheus_" });
  await Deno.writeTextFile(
    `${dir}/prometheus.yml`,
    JSON.stringify(prometheusConfig(sdUrl, options.scrapeSeconds)),
  );
  const port = freePort();
  const child = new Deno.Command("prometheus", {
    args: [
      `--config.file=${dir}/prometheus.yml`,
      `--storage.tsdb.path=${dir}/data`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let errors = "";
  const drain = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      errors = (errors + chunk).slice(-2000);
    }
  })();
  let exited = false;
  child.status.then(() => exited = true);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    await child.status;
    await drain;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const until = Date.now() + (options.readyTimeoutMs ?? 30_000);
  for (;;) {
    try {
      const res = await fetch(`${url}/-/ready`);
      await res.body?.cancel();
      if (res.ok) break;
    } catch { /* not yet */ }
    if (exited || Date.now() > until) {
      await stop();
      throw new Error(
        `prometheus on port ${port} did not become ready${exited ? " (it exited)" : ""}: ${
          errors.trim() || "no output"
        }`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, stop };
}
