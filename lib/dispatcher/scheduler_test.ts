import assert from "node:assert/strict";
import { createBalancer } from "./balancer.ts";
import { Dispatcher } from "./scheduler.ts";
import { ConnectionError, type RelayRequest, type RelayResponse } from "./relay.ts";
import { HttpError } from "../http/mod.ts";
import { ReplicaPool } from "./replica_pool.ts";
import { flush, ManualClock } from "../testing/manual_clock.ts";

const REQUEST: RelayRequest = {
  path: "/predict",
  method: "POST",
  headers: {},
  body: new Uint8Array(1),
};

/** A relay whose answers the test releases by hand; `dead` replicas refuse connections. */
function scriptedRelay() {
  const calls: string[] = [];
  const pending: { url: string; resolve(r: RelayResponse): void }[] = [];
  const dead = new Set<string>();
  const relay = (url: string) => {
    calls.push(url);
    if (dead.has(url)) return Promise.reject(new ConnectionError(url, "connection refused"));
    return new Promise<RelayResponse>((resolve) => pending.push({ url, resolve }));
  };
  const answer = (status = 200) => {
    const p = pending.shift()!;
    p.resolve({ status, headers: { "x-replica": p.url }, body: new Uint8Array() });
  };
  return { relay, calls, pending, dead, answer };
}

function setup(
  replicas: string[],
  options: { inflight?: number; queue?: number; retries?: number } = {},
) {
  const clock = new ManualClock();
  const script = scriptedRelay();
  const rejected: string[] = [];
  let retries = 0;
  const pool = new ReplicaPool({
    perReplicaInflight: options.inflight ?? 1,
    ejectAfter: 1,
    onCapacity: () => dispatcher.pump(),
  });
  const dispatcher: Dispatcher = new Dispatcher({
    pool,
    balancer: createBalancer("least-outstanding"),
    queueCapacity: options.queue ?? 2,
    maxRetries: options.retries ?? 2,
    relay: script.relay,
    clock,
    hooks: { rejected: (r) => rejected.push(r), retried: () => retries++ },
  });
  for (const r of replicas) {
    pool.add(r);
    pool.probed(r, true);
  }
  return { clock, pool, dispatcher, ...script, rejected, retries: () => retries };
}

async function status(p: Promise<RelayResponse>): Promise<number | string> {
  try {
    return (await p).status;
  } catch (err) {
    return err instanceof HttpError ? `${err.status} ${err.code}` : String(err);
  }
}

Deno.test("Dispatcher: queueing and deadlines", async (t) => {
  await t.step("sends at once while a replica has room, queues beyond", async () => {
    const s = setup(["http://a"], { inflight: 1, queue: 5 });
    const first = s.dispatcher.dispatch(REQUEST, s.clock.now() + 1000);
    const second = s.dispatcher.dispatch(REQUEST, s.clock.now() + 1000);
    await flush();
    assert.equal(s.calls.length, 1);
    assert.equal(s.dispatcher.queueLength, 1);
    s.answer();
    assert.equal(await first.then((r) => r.status), 200);
    await flush();
    assert.equal(s.calls.length, 2, "the queued request went out when the slot freed");
    s.answer();
    assert.equal(await status(second), 200);
    assert.equal(s.dispatcher.inflight, 0);
  });

  await t.step("full queue refuses with 429", async () => {
    const s = setup(["http://a"], { inflight: 1, queue: 1 });
    const sent = s.dispatcher.dispatch(REQUEST, s.clock.now() + 1000);
    const queued = s.dispatcher.dispatch(REQUEST, s.clock.now() + 1000);
    assert.equal(
      await status(s.dispatcher.dispatch(REQUEST, s.clock.now() + 1000)),
      "429 queue_full",
    );
    assert.deepEqual(s.rejected, ["queue_full"]);
    s.answer();
    await flush();
    s.answer();
    await Promise.all([sent, queued]);
  });

  await t.step(
    "a deadline passing in the queue gives 504 and the request is never sent",
    async () => {
      const s = setup(["http://a"], { inflight: 1, queue: 5 });
      const sent = s.dispatcher.dispatch(REQUEST, s.clock.now() + 1000);
      const late = s.dispatcher.dispatch(REQUEST, s.clock.now() + 50);
      await s.clock.advance(50);
      assert.equal(await status(late), "504 deadline_exceeded");
      s.answer();
      await sent;
      await flush();
      assert.equal(s.calls.length, 1);
      assert.deepEqual(s.rejected, ["deadline"]);
    },
  );
});

Deno.test("Dispatcher: retries", async (t) => {
  await t.step("a connection failure is retried on another replica", async () => {
    const s = setup(["http://a", "http://b"], { inflight: 4 });
    s.dead.add("http://a");
    const p = s.dispatcher.dispatch(REQUEST, s.clock.now() + 1000);
    await flush();
    s.answer();
    assert.equal(await status(p), 200);
    assert.deepEqual(s.calls, ["http://a", "http://b"]);
    assert.equal(s.retries(), 1);
    assert.equal(s.pool.get("http://a")!.state, "ejected");
  });

  await t.step("at most maxRetries retries, then 502", async () => {
    const s = setup(["http://a", "http://b", "http://c", "http://d"], { inflight: 4, retries: 2 });
    for (const r of ["http://a", "http://b", "http://c", "http://d"]) s.dead.add(r);
    assert.equal(
      await status(s.dispatcher.dispatch(REQUEST, s.clock.now() + 1000)),
      "502 replica_unavailable",
    );
    assert.equal(s.calls.length, 3);
  });

  await t.step("an answer is final, even a 503: never retried", async () => {
    const s = setup(["http://a", "http://b"], { inflight: 4 });
    const p = s.dispatcher.dispatch(REQUEST, s.clock.now() + 1000);
    await flush();
    s.answer(503);
    assert.equal(await status(p), 503);
    assert.equal(s.calls.length, 1);
  });
});

Deno.test("Dispatcher: waiting for replicas and idle", async (t) => {
  await t.step("with no replica ready, requests wait for one to appear", async () => {
    const s = setup([], { queue: 5 });
    const p = s.dispatcher.dispatch(REQUEST, s.clock.now() + 1000);
    await s.clock.advance(100);
    assert.equal(s.calls.length, 0);
    s.pool.add("http://late");
    s.pool.probed("http://late", true);
    await flush();
    s.answer();
    assert.equal(await status(p), 200);
  });

  await t.step("idle() resolves when everything has been answered", async () => {
    const s = setup(["http://a"], { inflight: 1, queue: 5 });
    const ps = [
      s.dispatcher.dispatch(REQUEST, s.clock.now() + 1000),
      s.dispatcher.dispatch(REQUEST, s.clock.now() + 1000),
    ];
    let idle = false;
    s.dispatcher.idle().then(() => idle = true);
    await flush();
    s.answer();
    await flush();
    assert.equal(idle, false);
    s.answer();
    await Promise.all(ps);
    await flush();
    assert.equal(idle, true);
  });
});
