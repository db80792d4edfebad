/**
 * The local actuator with real processes: real replica.ts (native backend, one thread) started on
 * free loopback ports and registered with a real dispatcher, drained and stopped on scale-down.
 */
import assert from "node:assert/strict";
import { LocalActuator } from "../lib/actuator/mod.ts";
import { createRng, type Logger, waitFor } from "../lib/shared/mod.ts";
import { syntheticJpeg } from "../lib/image/mod.ts";
import { type Started, startScript } from "./support/process.ts";

const REPLICA_ARGS = ["--backend", "native", "--threads", "1", "--grace-s", "5"];

async function listed(d: Started): Promise<Record<string, string>> {
  const body = await fetch(`${d.url}/admin/replicas`).then((r) => r.json());
  return Object.fromEntries(
    body.replicas.map((r: { url: string; state: string }) => [r.url, r.state]),
  );
}

Deno.test({
  name: "local actuator",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const dispatcher = await startScript("dispatcher.ts", [
      "--host=127.0.0.1",
      "--port=0",
      "--health-interval-s=0.2",
    ]);
    const events: { event: string; fields: Record<string, unknown> }[] = [];
    const log: Logger = (event, fields = {}) => events.push({ event, fields });
    const actuator = new LocalActuator({
      min: 1,
      max: 3,
      dispatchers: [dispatcher.url],
      replicaArgs: REPLICA_ARGS,
      cpuRequestMilli: 500,
      log,
    });
    try {
      await t.step("scale 0 → 2: processes start, become ready and are registered", async () => {
        assert.deepEqual(await actuator.scale(2), { from: 0, to: 2, changed: true });
        assert.equal(await actuator.current(), 2);
        await actuator.settled(60_000);
        const pods = await actuator.pods();
        assert.equal(pods.length, 2);
        for (const p of pods) {
          assert.equal(p.phase, "Running");
          assert.equal(p.ready, true);
          assert.equal(p.cpuRequestMilli, 500);
          assert.equal(p.instance, new URL(p.url!).host);
          assert.ok(p.readyTransitionTime! >= p.startTime);
        }
        const states = await listed(dispatcher);
        assert.deepEqual(Object.keys(states).sort(), pods.map((p) => p.url).sort());
        await waitFor(
          "both ready in the dispatcher",
          async () => Object.values(await listed(dispatcher)).every((s) => s === "ready"),
          { timeoutMs: 20_000 },
        );
        const form = new FormData();
        form.append(
          "image",
          new Blob([syntheticJpeg(64, 64, createRng(1))], { type: "image/jpeg" }),
          "x.jpg",
        );
        const res = await fetch(`${dispatcher.url}/predict`, { method: "POST", body: form });
        assert.equal(res.status, 200, await res.text());
      });

      await t.step(
        "scale 2 → 1: the newest is drained from the dispatcher, then exits 0",
        async () => {
          const before = await actuator.pods();
          const newest = before.reduce((a, b) => (b.startTime > a.startTime ? b : a));
          await actuator.scale(1);
          await actuator.settled(30_000);
          const after = await actuator.pods();
          assert.equal(after.length, 1);
          assert.ok(
            !after.some((p) => p.url === newest.url) || before[0].startTime === before[1].startTime,
          );
          await waitFor(
            "dispatcher lists one",
            async () => Object.keys(await listed(dispatcher)).length === 1,
            { timeoutMs: 20_000 },
          );
          const stopped = events.filter((e) => e.event === "replica_stopped");
          assert.equal(stopped.length, 1);
          assert.equal(stopped[0].fields.code, 0);
          const order = events.map((e) => e.event);
          assert.ok(order.indexOf("replica_stopping") < order.indexOf("replica_stopped"));
        },
      );

      await t.step("never above max, never below min", async () => {
        assert.equal((await actuator.scale(99)).to, 3);
        assert.equal((await actuator.scale(0)).to, 1);
        await actuator.settled(60_000);
        assert.equal((await actuator.pods()).length, 1);
      });

      await t.step(
        "a drawn startup delay keeps a new replica Pending before it starts",
        async () => {
          let draws = 0;
          const delayed = new LocalActuator({
            min: 0,
            max: 1,
            dispatchers: [dispatcher.url],
            replicaArgs: REPLICA_ARGS,
            startupDelayS: () => (draws++, 1),
            log: () => {},
          });
          try {
            const t0 = Date.now();
            await delayed.scale(1);
            const [pod] = await delayed.pods();
            assert.deepEqual([pod.phase, pod.ready], ["Pending", false]);
            await delayed.settled(60_000);
            assert.ok(Date.now() - t0 >= 1000);
            assert.equal(draws, 1, "one delay drawn per new replica");
          } finally {
            await delayed.close();
          }
        },
      );

      await t.step("close drains and stops everything", async () => {
        await actuator.close();
        assert.deepEqual(await actuator.pods(), []);
        await waitFor(
          "dispatcher empty",
          async () => Object.keys(await listed(dispatcher)).length === 0,
          { timeoutMs: 20_000 },
        );
        await assert.rejects(actuator.scale(2), /closed/);
      });
    } finally {
      await actuator.close();
      await dispatcher.stop();
    }
  },
});
