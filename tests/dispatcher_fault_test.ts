/**
 * The fault run: two real replicas behind the dispatcher under steady load; one is killed with
 * SIGKILL mid-run. No client request may fail.
 */
import assert from "node:assert/strict";
import { startScript } from "./support/process.ts";

const REPLICA_FLAGS = [
  "--host=127.0.0.1",
  "--port=0",
  "--backend=native",
  "--threads=1",
  "--max-batch=4",
];

Deno.test("dispatcher: a replica killed under load loses no request", async () => {
  const [r1, r2] = await Promise.all([
    startScript("replica.ts", REPLICA_FLAGS),
    startScript("replica.ts", REPLICA_FLAGS),
  ]);
  const d = await startScript("dispatcher.ts", [
    "--host=127.0.0.1",
    "--port=0",
    `--replicas=${r1.url},${r2.url}`,
    "--health-interval-s=0.2",
    "--per-replica-inflight=4",
  ]);
  const image = await Deno.readFile("testdata/images/synthetic_640x480_q90.jpg");
  // Wait until both replicas take work.
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${d.url}/readyz`).then((r) => r.json());
    if (res.replicas.ready === 2) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const statuses: number[] = [];
  const served: Record<string, number> = {};
  const send = async () => {
    const res = await fetch(`${d.url}/predict`, {
      method: "POST",
      body: image,
      headers: { "content-type": "image/jpeg" },
    });
    await res.arrayBuffer();
    statuses.push(res.status);
    const who = res.headers.get("x-replica") ?? "none";
    served[who] = (served[who] ?? 0) + 1;
  };
  const pending: Promise<void>[] = [];
  const started = Date.now();
  let killed = false;
  while (Date.now() - started < 4000) {
    pending.push(send());
    if (!killed && Date.now() - started > 1500) {
      killed = true;
      r1.child.kill("SIGKILL");
    }
    await new Promise((r) => setTimeout(r, 60));
  }
  await Promise.all(pending);
  const metrics = await fetch(`${d.url}/metrics`).then((r) => r.text());
  const retries = Number(/^dispatcher_retries_total (\d+)/m.exec(metrics)![1]);
  console.log(JSON.stringify({ requests: statuses.length, served, retries }));
  assert.ok(statuses.length > 40, `sent ${statuses.length}`);
  assert.deepEqual(statuses.filter((s) => s !== 200), [], "no failed request");
  assert.ok(
    Object.keys(served).length === 2,
    `both replicas served before the kill: ${JSON.stringify(served)}`,
  );
  await d.stop();
  await r1.stop();
  await r2.stop();
});
