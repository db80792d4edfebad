import assert from "node:assert/strict";
import { erlangC } from "../policy/mod.ts";
import { runSimulation } from "./engine.ts";
import { fixedCalibration } from "../testing/fixed_calibration.ts";

// M/M/c: exponential service, batches of 1 with no delay, one request per replica (cap 1), a
// queue large enough never to refuse, deadlines never reached, no autoscaling. The closed-form
// mean wait in queue is Wq = C(c, λ/μ) / (cμ − λ) (Erlang C).
//
// The workload fixes each second's count (Poisson conditioned on it, as the load tester sends),
// which matches a Poisson process on time scales much shorter than a second. Service rates of
// thousands per second keep the queue's memory to milliseconds, so the closed form applies.
Deno.test("M/M/c mean wait matches Erlang C within 5%", async (t) => {
  const cases: { name: string; servers: number; mu: number; lambda: number; seconds: number }[] = [
    { name: "M/M/1 at ρ = 0.7", servers: 1, mu: 10_000, lambda: 7_000, seconds: 100 },
    { name: "M/M/1 at ρ = 0.5", servers: 1, mu: 10_000, lambda: 5_000, seconds: 60 },
    { name: "M/M/4 at ρ = 0.7", servers: 4, mu: 2_500, lambda: 7_000, seconds: 100 },
    { name: "M/M/16 at ρ = 0.85", servers: 16, mu: 500, lambda: 6_800, seconds: 100 },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const r = runSimulation({
        counts: new Array(c.seconds).fill(c.lambda),
        seed: 1,
        calibration: fixedCalibration(1 / c.mu, "exponential"),
        dispatcher: {
          maxBatch: 1,
          batchDelaySeconds: 0,
          perReplicaInflight: 1,
          queueCapacity: 1_000_000,
          timeoutSeconds: 1e6,
        },
        controller: { kind: "fixed" },
        initialReplicas: c.servers,
        sloSeconds: 1e6,
        recordSeries: false,
      });
      const wq = erlangC(c.servers, c.lambda / c.mu) / (c.servers * c.mu - c.lambda);
      const err = r.meanWaitSeconds / wq - 1;
      assert.ok(Math.abs(err) < 0.05, `mean wait ${r.meanWaitSeconds} vs ${wq} (${err})`);
      const sojourn = wq + 1 / c.mu;
      assert.ok(
        Math.abs(r.measured.latency.mean / sojourn - 1) < 0.05,
        `sojourn ${r.measured.latency.mean}`,
      );
      assert.equal(r.totals.rejected + r.totals.failed, 0);
    });
  }
});
