/**
 * The routes every server of the project answers the same way: liveness (`GET /healthz`) and
 * the Prometheus scrape (`GET /metrics`). Readiness differs per server and stays with each.
 *
 * @module
 */
import { Hono } from "hono";
import type { Registry } from "prom-client";

/** `/healthz` and `/metrics` over `registry`, to mount with `app.route("/", ...)`. */
export function probeRoutes(registry: Registry): Hono {
  const probes = new Hono();
  probes.get("/healthz", (c) => c.json({ alive: true }));
  probes.get(
    "/metrics",
    async (c) => c.text(await registry.metrics(), 200, { "content-type": registry.contentType }),
  );
  return probes;
}
