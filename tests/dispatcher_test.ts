/**
 * The dispatcher as a real process in front of real HTTP upstreams on loopback (stand-in
 * replicas from tests/support/stub_replica.ts, so timings are controlled).
 */
import assert from "node:assert/strict";
import { waitFor } from "../lib/shared/mod.ts";
import { startDispatcher, type Started, startScript } from "./support/process.ts";

const STUB = "tests/support/stub_replica.ts";

function stub(name: string, delayMs: number, port = 0): Promise<Started> {
  return startScript(STUB, [`--name=${name}`, `--delay-ms=${delayMs}`, `--port=${port}`]);
}

function dispatcher(replicas: Started[], flags: string[] = []): Promise<Started> {
  return startDispatcher(replicas, flags);
}

async function predict(d: Started, headers: Record<string, string> = {}) {
  const res = await fetch(`${d.url}/predict?topk=2`, {
    method: "POST",
    body: "img",
    headers: { "content-type": "image/jpeg", ...headers },
  });
  return {
    status: res.status,
    replica: res.headers.get("x-replica"),
    retryAfter: res.headers.get("retry-after"),
    json: await res.json(),
  };
}

async function replicaStates(d: Started): Promise<Record<string, string>> {
  const { replicas } = await fetch(`${d.url}/admin/replicas`).then((r) => r.json());
  return Object.fromEntries(replicas.map((r: { url: string; state: string }) => [r.url, r.state]));
}

async function allReady(d: Started, n: number): Promise<void> {
  await waitFor(
    `${n} ready replicas`,
    async () => Object.values(await replicaStates(d)).filter((s) => s === "ready").length === n,
  );
}

async function metric(d: Started, pattern: RegExp): Promise<number> {
  const text = await fetch(`${d.url}/metrics`).then((r) => r.text());
  const m = pattern.exec(text);
  return m ? Number(m[1]) : 0;
}

Deno.test("dispatcher: relaying and balancers", async (t) => {
  const stubs = await Promise.all([stub("a", 0), stub("b", 0), stub("c", 0)]);
  for (const balancer of ["round-robin", "least-outstanding", "p2c"]) {
    await t.step(`${balancer} relays and spreads the load`, async () => {
      const d = await dispatcher(stubs, [`--balancer=${balancer}`]);
      await allReady(d, 3);
      const answers = [];
      for (let i = 0; i < 30; i++) answers.push(await predict(d));
      assert.ok(answers.every((a) => a.status === 200));
      assert.equal(answers[0].json.path, "/predict?topk=2", "path and query relayed");
      assert.equal(answers[0].json.bytes, 3, "body relayed untouched");
      assert.ok(Number(answers[0].json.deadline) > Date.now(), "deadline forwarded");
      const counts: Record<string, number> = {};
      for (const a of answers) counts[a.replica!] = (counts[a.replica!] ?? 0) + 1;
      if (balancer !== "p2c") assert.deepEqual(counts, { a: 10, b: 10, c: 10 });
      else {assert.ok(
          Object.keys(counts).length >= 2,
          `${balancer} used several replicas: ${JSON.stringify(counts)}`,
        );}
      assert.equal(await metric(d, /^dispatcher_enqueued_requests_total (\d+)/m), 30);
      assert.equal((await d.stop()).code, 0);
    });
  }
  await Promise.all(stubs.map((s) => s.stop()));
});

Deno.test("dispatcher: queueing, 429 and 504", async (t) => {
  const slow = await stub("slow", 300);
  await t.step("requests queue while the replica is at its cap, then all succeed", async () => {
    const d = await dispatcher([slow], ["--per-replica-inflight=1", "--queue=10"]);
    await allReady(d, 1);
    const answers = await Promise.all(Array.from({ length: 4 }, () => predict(d)));
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200]);
    assert.equal(await metric(d, /^dispatcher_queue_wait_seconds_count (\d+)/m), 3);
    await d.stop();
  });
  await t.step("a full queue answers 429 with Retry-After", async () => {
    const d = await dispatcher([slow], ["--per-replica-inflight=1", "--queue=1"]);
    await allReady(d, 1);
    const answers = await Promise.all(Array.from({ length: 4 }, () => predict(d)));
    const refused = answers.filter((a) => a.status === 429);
    assert.equal(refused.length, 2, JSON.stringify(answers.map((a) => a.status)));
    assert.equal(refused[0].retryAfter, "1");
    assert.equal(refused[0].json.error.code, "queue_full");
    assert.equal(await metric(d, /^dispatcher_rejected_total\{reason="queue_full"\} (\d+)/m), 2);
    await d.stop();
  });
  await t.step(
    "a deadline that passes in the queue gives 504; the request is never sent",
    async () => {
      const d = await dispatcher([slow], ["--per-replica-inflight=1", "--queue=10"]);
      await allReady(d, 1);
      const before = (await fetch(`${slow.url}/stats`).then((r) => r.json())).served;
      const first = predict(d);
      await new Promise((r) => setTimeout(r, 20));
      const late = await predict(d, { "x-request-deadline-ms": String(Date.now() + 100) });
      assert.equal(late.status, 504);
      assert.equal(late.json.error.code, "deadline_exceeded");
      assert.equal((await first).status, 200);
      const after = (await fetch(`${slow.url}/stats`).then((r) => r.json())).served;
      assert.equal(after - before, 1, "only the first request reached the replica");
      await d.stop();
    },
  );
  await t.step("a replica slower than the timeout gives 504", async () => {
    const d = await dispatcher([slow], ["--timeout-s=0.1"]);
    await allReady(d, 1);
    const r = await predict(d);
    assert.equal(r.status, 504);
    await d.stop();
  });
  await slow.stop();
});

Deno.test("dispatcher: health, ejection, re-admission, admin API, drain", async (t) => {
  const a = await stub("a", 0);
  const b = await stub("b", 0);
  const d = await dispatcher([a]);
  await allReady(d, 1);

  await t.step("admin PUT adds a replica; it takes work once its probe passes", async () => {
    const res = await fetch(`${d.url}/admin/replicas`, {
      method: "PUT",
      body: JSON.stringify({ url: b.url }),
    });
    assert.equal(res.status, 201);
    await res.body?.cancel();
    await allReady(d, 2);
  });

  await t.step("a replica failing readiness gets no work, and returns when it passes", async () => {
    await fetch(`${b.url}/control/ready?value=0`, { method: "POST" }).then((r) => r.body?.cancel());
    await waitFor("b unready", async () => (await replicaStates(d))[b.url] === "unready");
    for (let i = 0; i < 10; i++) assert.equal((await predict(d)).replica, "a");
    await fetch(`${b.url}/control/ready?value=1`, { method: "POST" }).then((r) => r.body?.cancel());
    await allReady(d, 2);
  });

  await t.step(
    "a killed replica is ejected after connection failures; no request fails",
    async () => {
      const port = a.port;
      await a.stop("SIGKILL");
      const answers = await Promise.all(Array.from({ length: 10 }, () => predict(d)));
      assert.deepEqual(answers.map((x) => x.status), answers.map(() => 200));
      assert.ok(answers.every((x) => x.replica === "b"));
      assert.notEqual((await replicaStates(d))[a.url], "ready");
      // A new process on the same port is re-admitted by the active probe.
      const again = await stub("a2", 0, port);
      await allReady(d, 2);
      await again.stop();
    },
  );

  await t.step("admin DELETE drains and removes a replica", async () => {
    const res = await fetch(`${d.url}/admin/replicas?url=${encodeURIComponent(b.url)}`, {
      method: "DELETE",
    });
    assert.equal(res.status, 202);
    await res.body?.cancel();
    assert.equal((await replicaStates(d))[b.url], undefined);
  });

  await t.step("bad admin requests get 400/404", async () => {
    const bad = await fetch(`${d.url}/admin/replicas`, { method: "PUT", body: "{}" });
    assert.equal(bad.status, 400);
    await bad.body?.cancel();
    const unknown = await fetch(`${d.url}/admin/replicas?url=http://127.0.0.1:1`, {
      method: "DELETE",
    });
    assert.equal(unknown.status, 404);
    await unknown.body?.cancel();

    for (const url of ["http://127.0.0.1:0", "http://u:p@127.0.0.1:6001", "ftp://127.0.0.1:1"]) {
      const refused = await fetch(`${d.url}/admin/replicas`, {
        method: "PUT",
        body: JSON.stringify({ url }),
      });
      assert.equal(refused.status, 400, url);
      assert.match((await refused.json()).error.message, /must be http\(s\):\/\/host:port/);
    }
  });

  await d.stop();
  await b.stop();

  await t.step("with a token, the admin API refuses requests without it", async () => {
    const guarded = await dispatcher([], ["--admin-token=s3cret"]);
    const denied = await fetch(`${guarded.url}/admin/replicas`);
    assert.equal(denied.status, 403);
    await denied.body?.cancel();
    const allowed = await fetch(`${guarded.url}/admin/replicas`, {
      headers: { authorization: "Bearer s3cret" },
    });
    assert.equal(allowed.status, 200);
    await allowed.body?.cancel();
    await guarded.stop();
  });

  await t.step("SIGTERM: queued and in-flight requests finish, then exit 0", async () => {
    const slow = await stub("slow", 300);
    const dd = await dispatcher([slow], ["--per-replica-inflight=1"]);
    await allReady(dd, 1);
    const pending = Array.from({ length: 3 }, () => predict(dd));
    await new Promise((r) => setTimeout(r, 50));
    dd.child.kill("SIGTERM");
    const answers = await Promise.all(pending);
    assert.deepEqual(answers.map((x) => x.status), [200, 200, 200]);
    assert.equal((await dd.stop()).code, 0);
    assert.ok(dd.logs.some((l) => l.event === "stopped" && l.outcome === "drained"));
    await slow.stop();
  });
});
