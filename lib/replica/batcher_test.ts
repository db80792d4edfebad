import assert from "node:assert/strict";
import { type Batched, Batcher, DeadlineExceededError, QueueFullError } from "./batcher.ts";
import { flush, ManualClock } from "../testing/manual_clock.ts";

/** A batch function whose batches finish when the test says so. */
function controlledProcess() {
  const batches: number[][] = [];
  const finishers: (() => void)[] = [];
  const process = (items: number[]) => {
    batches.push(items);
    return new Promise<number[]>((resolve) =>
      finishers.push(() => resolve(items.map((x) => x * 10)))
    );
  };
  return { batches, process, finishNext: () => finishers.shift()!() };
}

function setup(options: { maxBatch?: number; maxDelayMs?: number; maxQueue?: number } = {}) {
  const clock = new ManualClock();
  const ctl = controlledProcess();
  const batcher = new Batcher<number, number>({
    maxBatch: options.maxBatch ?? 4,
    maxDelayMs: options.maxDelayMs ?? 5,
    maxQueue: options.maxQueue ?? 100,
    process: ctl.process,
    clock,
  });
  return { clock, batcher, ...ctl };
}

Deno.test("Batcher: forming batches", async (t) => {
  await t.step("a request after a quiet spell, to an idle model, runs at once", async () => {
    const { batcher, batches, finishNext } = setup();
    const p = batcher.submit(1);
    await flush();
    assert.deepEqual(batches, [[1]]);
    finishNext();
    assert.deepEqual((await p).queueMs, 0);
  });

  await t.step(
    "a request close behind another waits for a partner, at most max delay",
    async () => {
      const { clock, batcher, batches, finishNext } = setup({ maxDelayMs: 5 });
      const first = batcher.submit(1);
      await flush();
      finishNext();
      await first;
      await clock.advance(1);
      const p = batcher.submit(2); // 1 ms after the previous arrival: more may be coming
      await clock.advance(4);
      assert.equal(batches.length, 1);
      await clock.advance(1);
      assert.deepEqual(batches, [[1], [2]]);
      finishNext();
      const r = await p;
      assert.deepEqual([r.value, r.queueMs, r.batchSize], [20, 5, 1]);
    },
  );

  await t.step("a full batch dispatches at once, without waiting", async () => {
    const { batcher, batches, finishNext } = setup({ maxBatch: 3 });
    const ps = [1, 2, 3, 4].map((x) => batcher.submit(x));
    await flush();
    assert.deepEqual(batches, [[1]]);
    finishNext();
    await flush();
    assert.deepEqual(batches[1], [2, 3, 4], "three waiting make a full batch");
    finishNext();
    const rs = await Promise.all(ps);
    assert.deepEqual(rs.map((r) => r.batchSize), [1, 3, 3, 3]);
  });

  await t.step("requests arriving while a batch runs form the next batch", async () => {
    const { clock, batcher, batches, finishNext } = setup({ maxBatch: 4, maxDelayMs: 2 });
    const all: Promise<Batched<number>>[] = [batcher.submit(1)];
    await clock.advance(2);
    assert.deepEqual(batches, [[1]]);
    for (const x of [2, 3, 4, 5, 6]) all.push(batcher.submit(x));
    await clock.advance(50); // the first batch is still running: nothing else dispatches
    assert.equal(batches.length, 1);
    assert.equal(batcher.queued, 5);
    assert.equal(batcher.inFlight, 1);
    finishNext();
    await flush();
    assert.deepEqual(batches[1], [2, 3, 4, 5]); // waited past the delay: full batch at once
    finishNext();
    await flush();
    assert.deepEqual(batches[2], [6]);
    finishNext();
    await Promise.all(all);
  });

  await t.step("max delay 0 dispatches immediately", async () => {
    const { batcher, batches, finishNext } = setup({ maxDelayMs: 0 });
    const p = batcher.submit(7);
    await flush();
    assert.deepEqual(batches, [[7]]);
    finishNext();
    assert.equal((await p).value, 70);
  });
});

Deno.test("Batcher: rejections and failures", async (t) => {
  await t.step("a full line rejects with QueueFullError", async () => {
    const { batcher } = setup({ maxQueue: 2 });
    const ps = [batcher.submit(1), batcher.submit(2), batcher.submit(3)]; // one runs, two wait
    assert.equal(batcher.full, true);
    await assert.rejects(
      batcher.submit(4),
      (err) => err instanceof QueueFullError && err.capacity === 2,
    );
    ps.forEach((p) => p.catch(() => {}));
  });

  await t.step("an expired deadline is dropped before compute", async () => {
    const { clock, batcher, batches, finishNext } = setup({ maxDelayMs: 5 });
    const busy = batcher.submit(0); // runs at once and holds the model
    const late = batcher.submit(1, { deadline: clock.now() + 3 });
    const fine = batcher.submit(2, { deadline: clock.now() + 100 });
    await clock.advance(5);
    finishNext();
    await busy;
    await assert.rejects(late, (err) => err instanceof DeadlineExceededError && err.lateMs === 2);
    assert.deepEqual(batches, [[0], [2]]);
    finishNext();
    assert.equal((await fine).value, 20);
  });

  await t.step(
    "a failing batch rejects every request in it, and the next batch still runs",
    async () => {
      const clock = new ManualClock();
      let calls = 0;
      const batcher = new Batcher<number, number>({
        maxBatch: 2,
        maxDelayMs: 5,
        maxQueue: 10,
        clock,
        process: (items) => {
          calls++;
          return calls === 2 ? Promise.reject(new Error("boom")) : Promise.resolve(items);
        },
      });
      const a = batcher.submit(1), b = batcher.submit(2), c = batcher.submit(3); // [1], then [2, 3]
      await clock.advance(5);
      assert.equal((await a).value, 1);
      await assert.rejects(b, /boom/);
      await assert.rejects(c, /boom/);
      await clock.advance(10);
      assert.equal((await batcher.submit(4)).value, 4);
    },
  );
});

Deno.test("Batcher: idle and options", async (t) => {
  await t.step("idle() resolves once everything has run", async () => {
    const { clock, batcher, finishNext } = setup({ maxDelayMs: 1 });
    const p = batcher.submit(1);
    let idle = false;
    batcher.idle().then(() => idle = true);
    await clock.advance(1);
    assert.equal(idle, false);
    finishNext();
    await p;
    await flush();
    assert.equal(idle, true);
  });

  await t.step("rejects bad options with the value", () => {
    const process = () => Promise.resolve([]);
    assert.throws(
      () => new Batcher({ maxBatch: 0, maxDelayMs: 1, maxQueue: 1, process }),
      /max_batch must be between 1 and 256: got 0/,
    );
    assert.throws(
      () => new Batcher({ maxBatch: 1, maxDelayMs: -1, maxQueue: 1, process }),
      /batch_delay_ms must be between 0 and 10000: got -1/,
    );
  });
});
