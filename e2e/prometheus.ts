/**
 * A real Prometheus (Debian's `prometheus` binary) for the e2e stack that can be stopped and
 * started again on the same port and data directory, for the outage scenario. It scrapes static
 * targets every second.
 *
 * @module
 */
import {
  prometheusArgs,
  prometheusDir,
  prometheusOnPath,
  prometheusReady,
  queryPrometheus,
  type Sample,
} from "../lib/metrics/mod.ts";
import { waitUntil } from "./measure.ts";
import { freePort, type Proc, type Stack } from "./stack.ts";

/** A restartable Prometheus. */
export interface E2ePrometheus {
  /** Base URL. */
  url: string;
  /** The current process (undefined while stopped). */
  readonly proc: Proc | undefined;
  /** Instant query → result vector (throws when Prometheus is down or the query fails). */
  query(expr: string): Promise<Sample[]>;
  /** Stops it (SIGTERM; SIGKILL after 5 s). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data, resolving once it is ready. */
  start(): Promise<void>;
}

/** Whether `prometheus` is on PATH. */
export const hasPrometheus = prometheusOnPath;

/**
 * Starts Prometheus scraping `jobs` (job → `host:port` targets) every second. Start it before
 * its targets: it applies static targets on a 5 s tick.
 */
export async function startE2ePrometheus(
  stack: Stack,
  jobs: Record<string, string[]>,
): Promise<E2ePrometheus> {
  const dir = await prometheusDir({ jobs }, { prefix: "e2e_prometheus_" });
  stack.defer(() => Deno.remove(dir, { recursive: true }));
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  let proc: Proc | undefined;
  let generation = 0;
  const start = async () => {
    generation++;
    proc = await stack.command(
      `prometheus-${generation}`,
      "prometheus",
      prometheusArgs(dir, port),
      {
        readyEvent: "",
      },
    );
    await waitUntil("prometheus ready", () => prometheusReady(url), 30_000);
  };
  await start();
  return {
    url,
    get proc() {
      return proc;
    },
    query: (expr) => queryPrometheus(url, expr),
    async stop() {
      await proc?.stop(5000);
      proc = undefined;
    },
    start,
  };
}
