/**
 * A real Prometheus (Debian's `prometheus` binary) for the e2e stack that can be stopped and
 * started again on the same port and data directory, for the outage scenario. It scrapes static
 * targets every second.
 *
 * @module
 */
import { waitUntil } from "./measure.ts";
import { freePort, type Proc, type Stack } from "./stack.ts";

/** A restartable Prometheus. */
export interface E2ePrometheus {
  /** Base URL. */
  url: string;
  /** The current process (undefined while stopped). */
  readonly proc: Proc | undefined;
  /** Instant query → result vector (throws when Prometheus is down or the query fails). */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** Stops it (SIGTERM; SIGKILL after 5 s). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data, resolving once it is ready. */
  start(): Promise<void>;
}

/** Whether `prometheus` is on PATH. */
export async function hasPrometheus(): Promise<boolean> {
  return await new Deno.Command("prometheus", {
    args: ["--version"],
    stdout: "null",
    stderr: "null",
  }).output().then((o) => o.success).catch(() => false);
}

/**
 * Starts Prometheus scraping `jobs` (job → `host:port` targets) every second. Start it before
 * its targets: it applies static targets on a 5 s tick.
 */
export async function startE2ePrometheus(
  stack: Stack,
  jobs: Record<string, string[]>,
): Promise<E2ePrometheus> {
  const dir = await Deno.makeTempDir({ prefix: "e2e_prometheus_" });
  stack.defer(() => Deno.remove(dir, { recursive: true }));
  const config = {
    global: { scrape_interval: "1s", scrape_timeout: "900ms", evaluation_interval: "1s" },
    scrape_configs: Object.entries(jobs).map(([job, targets]) => ({
      job_name: job,
      static_configs: [{ targets }],
    })),
  };
  await Deno.writeTextFile(`${dir}/prometheus.yml`, JSON.stringify(config));
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  let proc: Proc | undefined;
  let generation = 0;
  const start = async () => {
    generation++;
    proc = await stack.command(`prometheus-${generation}`, "prometheus", [
      `--config.file=${dir}/prometheus.yml`,
      `--storage.tsdb.path=${dir}/data`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ], { readyEvent: "" });
    await waitUntil("prometheus ready", async () => {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      return res.ok;
    }, 30_000);
  };
  await start();
  return {
    url,
    get proc() {
      return proc;
    },
    async query(expr) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`, {
        signal: AbortSignal.timeout(2000),
      });
      const body = await res.json();
      if (body.status !== "success") {
        throw new Error(`query ${expr} failed: ${body.errorType}: ${body.error}`);
      }
      return body.data.result;
    },
    async stop() {
      await proc?.stop(5000);
      proc = undefined;
    },
    start,
  };
}
