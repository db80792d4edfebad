import assert from "node:assert/strict";
import {
  calibrateSlowdown,
  erlangB,
  erlangC,
  fewestServers,
  sojournQuantile,
  waitQuantile,
} from "./queueing_model.ts";

function close(actual: number, expected: number, tolerance = 1e-9) {
  assert.ok(
    Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)),
    `${actual} is not within ${tolerance} of ${expected}`,
  );
}

/** Erlang C from its textbook formula in log space (an independent check of the recurrence). */
function erlangCDirect(c: number, a: number): number {
  let lgamma = 0; // ln(k!)
  const logs: number[] = [];
  for (let k = 0; k < c; k++) {
    if (k > 0) lgamma += Math.log(k);
    logs.push(k * Math.log(a) - lgamma);
  }
  const last = c * Math.log(a) - (lgamma + Math.log(c)) + Math.log(c / (c - a));
  const m = Math.max(last, ...logs);
  const sum = logs.reduce((s, l) => s + Math.exp(l - m), 0) + Math.exp(last - m);
  return Math.exp(last - m) / sum;
}

Deno.test("erlangB", async (t) => {
  const cases = [
    { name: "one server, one Erlang", c: 1, a: 1, want: 0.5 },
    { name: "two servers, one Erlang", c: 2, a: 1, want: 0.2 },
    { name: "three servers, two Erlangs", c: 3, a: 2, want: 4 / 19 },
    { name: "no servers block everything", c: 0, a: 3, want: 1 },
  ];
  for (const c of cases) await t.step(c.name, () => close(erlangB(c.c, c.a), c.want));
});

Deno.test("erlangC", async (t) => {
  const cases = [
    { name: "M/M/1: P(wait) = ρ", c: 1, a: 0.5, want: 0.5 },
    { name: "M/M/2 at one Erlang", c: 2, a: 1, want: 1 / 3 },
    { name: "unstable: always wait", c: 4, a: 4, want: 1 },
    { name: "1000 servers at 95% load", c: 1000, a: 950, want: erlangCDirect(1000, 950) },
    { name: "50 servers at 80% load", c: 50, a: 40, want: erlangCDirect(50, 40) },
  ];
  for (const c of cases) await t.step(c.name, () => close(erlangC(c.c, c.a), c.want, 1e-9));
  await t.step("finite and in (0, 1) for 5000 servers", () => {
    const v = erlangC(5000, 4900);
    assert.ok(v > 0 && v < 1, `${v}`);
  });
});

Deno.test("waitQuantile", async (t) => {
  const cases = [
    {
      // M/M/1, λ = 0.5, μ = 1: P(W > t) = 0.5·e^(−0.5t), so t95 = ln(10)/0.5
      name: "M/M/1 closed form",
      model: { servers: 1, arrivalRate: 0.5, serviceRate: 1, quantile: 0.95 },
      want: 2 * Math.log(10),
    },
    {
      name: "P(wait) under 5%: the p95 wait is 0",
      model: { servers: 10, arrivalRate: 1, serviceRate: 1, quantile: 0.95 },
      want: 0,
    },
    {
      name: "unstable: infinite",
      model: { servers: 2, arrivalRate: 2, serviceRate: 1, quantile: 0.95 },
      want: Infinity,
    },
    {
      name: "no arrivals: no wait",
      model: { servers: 1, arrivalRate: 0, serviceRate: 1, quantile: 0.95 },
      want: 0,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const got = waitQuantile(c.model);
      if (c.want === Infinity) assert.equal(got, Infinity);
      else close(got, c.want);
    });
  }
  await t.step("sojourn adds the service time", () => {
    const model = { servers: 1, arrivalRate: 0.5, serviceRate: 1, quantile: 0.95 };
    close(sojournQuantile({ ...model, serviceTime: 0.25 }), 2 * Math.log(10) + 0.25);
  });
});

Deno.test("fewestServers", async (t) => {
  const base = { serviceRate: 20, serviceTime: 0.05, quantile: 0.95 };
  const cases = [
    // a = 5: 6 servers give p95 ≈ 0.173 s
    { name: "100 req/s at 20 req/s per server, 0.4 s", rate: 100, target: 0.4, want: 6 },
    // 7 → 0.0967 s, 8 → 0.0701 s
    { name: "a tighter target needs more servers", rate: 100, target: 0.08, want: 8 },
    { name: "no arrivals need no servers", rate: 0, target: 0.4, want: 0 },
    { name: "light load: one server", rate: 1, target: 0.4, want: 1 },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const got = fewestServers({ ...base, arrivalRate: c.rate }, { target: c.target, limit: 100 });
      assert.deepEqual(got, { servers: c.want, feasible: true, capped: false });
      if (c.want > 1) {
        const at = (servers: number) => sojournQuantile({ ...base, arrivalRate: c.rate, servers });
        assert.ok(at(c.want) <= c.target && at(c.want - 1) > c.target);
      }
    });
  }
  await t.step("service time over the target: fewest servers with P(wait) ≤ 5%", () => {
    const got = fewestServers({ ...base, arrivalRate: 100, serviceTime: 0.5 }, {
      target: 0.4,
      limit: 100,
    });
    assert.equal(got.feasible, false);
    assert.ok(erlangC(got.servers, 5) <= 0.05 && erlangC(got.servers - 1, 5) > 0.05);
  });
  await t.step("capped at the limit", () => {
    const got = fewestServers({ ...base, arrivalRate: 1000 }, { target: 0.4, limit: 10 });
    assert.deepEqual(got, { servers: 10, feasible: true, capped: true });
  });
  await t.step("thousands of servers", () => {
    const got = fewestServers({ ...base, arrivalRate: 40_000 }, { target: 0.4, limit: 5000 });
    assert.ok(got.servers > 2000 && got.servers < 2100 && !got.capped, JSON.stringify(got));
  });
});

Deno.test("calibrateSlowdown", async (t) => {
  const model = { servers: 6, arrivalRate: 80, serviceRate: 20, serviceTime: 0.05, quantile: 0.95 };
  const slowed = (k: number) =>
    sojournQuantile({ ...model, serviceRate: model.serviceRate / k, serviceTime: 0.05 * k });
  await t.step("recovers the slowdown that produced an observation", () => {
    close(calibrateSlowdown(model, { observed: slowed(1.3), maxFactor: 3 }), 1.3, 1e-5);
  });
  await t.step("an observation the model already explains needs none", () => {
    assert.equal(calibrateSlowdown(model, { observed: slowed(1) * 0.9, maxFactor: 3 }), 1);
  });
  await t.step("clamped at maxFactor", () => {
    const light = { ...model, arrivalRate: 30 }; // still stable at a third of the rate
    assert.equal(calibrateSlowdown(light, { observed: 100, maxFactor: 3 }), 3);
  });
  await t.step("a slowdown that would make the model unstable stops short of it", () => {
    const k = calibrateSlowdown(model, { observed: 100, maxFactor: 3 });
    assert.ok(k > 1.49 && k < 1.5, `${k}`); // 6 × 20 / k = 80 at k = 1.5
  });
  await t.step("an unstable model at the current count explains any latency", () => {
    const unstable = { ...model, arrivalRate: 200 };
    assert.equal(calibrateSlowdown(unstable, { observed: 5, maxFactor: 3 }), 1);
  });
});
