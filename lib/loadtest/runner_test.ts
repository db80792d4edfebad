import assert from "node:assert/strict";
import { setImmediate } from "node:timers";
import type { Clock } from "./clock.ts";
import { type RequestRecord, runOpenLoop, type SendResult } from "./runner.ts";

/** Virtual time: waits register timers; `drive` fires them in order until the run settles. */
function virtualTime() {
  let now = 0;
  const timers: { at: number; fire: () => void }[] = [];
  const at = (ms: number) => new Promise<void>((fire) => timers.push({ at: ms, fire }));
  const clock: Clock = {
    now: () => now,
    waitUntil: (target) => (target <= now ? Promise.resolve() : at(target)),
  };
  const tick = () => new Promise<void>((r) => setImmediate(r));
  return {
    clock,
    sleep: (ms: number) => at(now + ms),
    async drive<T>(run: Promise<T>): Promise<T> {
      let settled = false;
      run.finally(() => (settled = true));
      while (!settled) {
        await tick();
        if (settled || timers.length === 0) continue;
        timers.sort((a, b) => a.at - b.at);
        const next = timers.shift()!;
        now = Math.max(now, next.at);
        next.fire();
      }
      return run;
    },
  };
}

/** A sender whose every request takes `serviceMs(index)` of virtual time. */
function slowSender(
  time: ReturnType<typeof virtualTime>,
  serviceMs: (i: number, now: number) => number,
) {
  let active = 0, maxActive = 0;
  const send = async (index: number): Promise<SendResult> => {
    active++;
    maxActive = Math.max(maxActive, active);
    await time.sleep(serviceMs(index, time.clock.now()));
    active--;
    return { status: 200, replica: "r1" };
  };
  return { send, maxActive: () => maxActive };
}

const every = (n: number, gap: number) => Float64Array.from({ length: n }, (_, i) => i * gap);

async function runVirtual(
  schedule: Float64Array,
  serviceMs: (i: number, now: number) => number,
  limits: { maxInflight: number; connections?: number },
) {
  const time = virtualTime();
  const sender = slowSender(time, serviceMs);
  const records: RequestRecord[] = [];
  const dispatched: number[] = [];
  const result = await time.drive(runOpenLoop(schedule, sender.send, {
    clock: time.clock,
    ...limits,
    onDispatch: (i) => dispatched.push(i),
    onRecord: (r) => records.push(r),
  }));
  records.sort((a, b) => a.index - b.index);
  return { result, records, dispatched, maxActive: sender.maxActive() };
}

Deno.test("runOpenLoop", async (t) => {
  await t.step("sends each request at its time whatever is outstanding", async () => {
    const { records, maxActive } = await runVirtual(every(10, 0.1), () => 1000, {
      maxInflight: 100,
    });
    assert.equal(records.length, 10);
    assert.equal(maxActive, 10);
    for (const r of records) {
      assert.equal(r.sent, r.scheduled, `request ${r.index} delayed`);
      assert.ok(Math.abs(r.done! - r.scheduled - 1000) < 1e-6);
      assert.equal(r.status, 200);
    }
  });
  await t.step("drops (never delays) requests beyond max-inflight", async () => {
    const { records, maxActive } = await runVirtual(every(20, 0.1), () => 950, {
      maxInflight: 3,
    });
    const dropped = records.filter((r) => r.error === "dropped");
    const sent = records.filter((r) => r.sent !== undefined);
    assert.equal(maxActive, 3);
    assert.equal(dropped.length + sent.length, 20);
    assert.deepEqual(sent.map((r) => r.index), [0, 1, 2, 10, 11, 12]);
    for (const r of sent) assert.equal(r.sent, r.scheduled);
    for (const r of dropped) {
      assert.equal(r.done, undefined);
      assert.equal(r.dispatched, r.scheduled);
    }
  });
  await t.step("a connection limit queues; corrected latency includes the wait", async () => {
    const { records } = await runVirtual(every(3, 0.1), () => 1000, {
      maxInflight: 10,
      connections: 1,
    });
    assert.deepEqual(records.map((r) => r.sent), [0, 1000, 2000]);
    assert.deepEqual(records.map((r) => r.done! - r.scheduled), [1000, 1900, 2800]);
    assert.deepEqual(records.map((r) => r.done! - r.sent!), [1000, 1000, 1000]);
  });
  await t.step(
    "one stall: corrected p99 shows it, uncorrected hides it (2 connections)",
    async () => {
      // 200 req/s for 3 s against a server that answers in 4 ms but stalls from 1 s to 2 s: what
      // starts in the stall finishes at 2 s.
      const stall = (_: number, now: number) => (now >= 1000 && now < 2000 ? 2000 - now : 4);
      const { records } = await runVirtual(every(600, 0.005), stall, {
        maxInflight: 1000,
        connections: 2,
      });
      const p99 = (xs: number[]) => xs.sort((a, b) => a - b)[Math.ceil(0.99 * xs.length) - 1];
      const corrected = p99(records.map((r) => r.done! - r.scheduled));
      const uncorrected = p99(records.map((r) => r.done! - r.sent!));
      assert.ok(corrected > 500, `corrected p99 ${corrected}`);
      assert.ok(uncorrected < 5, `uncorrected p99 ${uncorrected}`);
    },
  );
  await t.step("zero-length schedule", async () => {
    const { result, records } = await runVirtual(new Float64Array(0), () => 1, { maxInflight: 1 });
    assert.equal(result.offered, 0);
    assert.equal(records.length, 0);
  });
  await t.step("rejects bad limits", async () => {
    const send = () => Promise.resolve({ status: 200 });
    const clock = virtualTime().clock;
    await assert.rejects(
      runOpenLoop(every(1, 1), send, { clock, maxInflight: 0, onRecord: () => {} }),
      /max-inflight must be a whole number ≥ 1: got 0/,
    );
    await assert.rejects(
      runOpenLoop(every(1, 1), send, { clock, maxInflight: 1, connections: 1.5, onRecord() {} }),
      /connections must be a whole number ≥ 1: got 1.5/,
    );
  });
});
