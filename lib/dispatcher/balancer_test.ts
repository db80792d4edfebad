import assert from "node:assert/strict";
import {
  type Candidate,
  createBalancer,
  leastOutstanding,
  powerOfTwo,
  roundRobin,
} from "./balancer.ts";
import { createRng } from "../shared/mod.ts";

const c = (...outstanding: number[]): Candidate[] =>
  outstanding.map((o, i) => ({ id: `r${i}`, outstanding: o }));

Deno.test("leastOutstanding", async (t) => {
  const cases: [string, Candidate[], number][] = [
    ["empty", [], -1],
    ["single", c(5), 0],
    ["fewest wins", c(3, 1, 2), 1],
    ["tie goes to the first", c(2, 1, 1), 1],
  ];
  for (const [name, cands, want] of cases) {
    await t.step(name, () => assert.equal(leastOutstanding(cands), want));
  }
});

Deno.test("roundRobin", async (t) => {
  const cases: [string, Candidate[], string | undefined, number][] = [
    ["empty", [], undefined, -1],
    ["first call takes the lowest id", c(0, 0, 0), undefined, 0],
    ["next id after the last", c(0, 0, 0), "r0", 1],
    ["wraps around", c(0, 0, 0), "r2", 0],
    [
      "skips a missing (busy) replica",
      [{ id: "r0", outstanding: 0 }, { id: "r2", outstanding: 0 }],
      "r0",
      1,
    ],
  ];
  for (const [name, cands, last, want] of cases) {
    await t.step(name, () => assert.equal(roundRobin(cands, last), want));
  }
  await t.step("cycles evenly through the balancer object", () => {
    const b = createBalancer("round-robin");
    const picks = Array.from({ length: 6 }, () => b.pick(c(0, 0, 0)));
    assert.deepEqual(picks, [0, 1, 2, 0, 1, 2]);
  });
});

Deno.test("powerOfTwo", async (t) => {
  const cases: [string, Candidate[], number, number, number][] = [
    ["empty", [], 0.5, 0.5, -1],
    ["single", c(9), 0.9, 0.9, 0],
    ["second draw less loaded wins", c(5, 1, 3), 0.0, 0.0, 1], // a=0, b=1
    ["first draw less loaded wins", c(1, 5, 3), 0.0, 0.0, 0],
    ["two draws are distinct: a=1, b=0, tie keeps a", c(0, 0), 0.99, 0.99, 1],
  ];
  for (const [name, cands, u1, u2, want] of cases) {
    await t.step(name, () => assert.equal(powerOfTwo(cands, u1, u2), want));
  }
  await t.step("never picks the most loaded of three", () => {
    const rng = createRng(3);
    const b = createBalancer("p2c", () => rng.uniform());
    for (let i = 0; i < 200; i++) assert.notEqual(b.pick(c(1, 9, 2)), 1);
  });
});

Deno.test("createBalancer", async (t) => {
  await t.step("rejects unknown names with the value", () => {
    // deno-lint-ignore no-explicit-any
    assert.throws(() => createBalancer("random" as any), /balancer must be one of .*: got random/);
  });
});
