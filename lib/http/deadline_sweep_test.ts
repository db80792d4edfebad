import assert from "node:assert/strict";
import { DeadlineSweep } from "./deadline_sweep.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("DeadlineSweep: expires what outlives its time, never what was cancelled", async () => {
  const sweep = new DeadlineSweep(5);
  const expired: string[] = [];
  sweep.add(10, () => expired.push("short"));
  const cancel = sweep.add(10, () => expired.push("cancelled"));
  sweep.add(60_000, () => expired.push("long"));
  cancel();
  assert.equal(sweep.pending, 2);
  await sleep(60);
  assert.deepEqual(expired, ["short"]);
  assert.equal(sweep.pending, 1);
});
