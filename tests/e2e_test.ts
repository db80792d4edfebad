/**
 * The reduced e2e suite (the same scenario functions as `deno task e2e`, with short windows and
 * fewer fuzz cases): each scenario starts a real local stack on loopback and must pass its
 * invariant checks — zero failed requests while a replica lives, holds through a Prometheus
 * outage, every bad request a 4xx, slow clients cut off, 429s under overload, bounded memory, no
 * restarts. Tight latency bounds (p95 ratios, the 50 ms shedding budget) are reported here and
 * asserted only in the full run (`deno task e2e --full`). The 10-minute soak is full-run only.
 */
import assert from "node:assert/strict";
import { runScenarios } from "../e2e.ts";
import type { ScenarioId } from "../e2e/scenarios.ts";
import { failures } from "../e2e/scenario.ts";

const out = await Deno.makeTempDir({ prefix: "e2e_test_" });

async function scenario(id: ScenarioId): Promise<void> {
  const lines: string[] = [];
  const [result] = await runScenarios([id], {
    full: false,
    out,
    log: (line) => lines.push(line),
  });
  console.log(JSON.stringify({ scenario: id, seconds: result.seconds, ...result.figures }));
  if (result.skipped) {
    console.log(`${id} skipped: ${result.skipped}`);
    return;
  }
  const failed = failures(result);
  assert.deepEqual(
    failed.map((c) => `${c.name}: ${c.detail}`),
    [],
    `${id} failed; log:\n${lines.join("\n")}`,
  );
  assert.ok(result.checks.length > 0);
}

const options = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "e2e crash: replicas SIGKILLed under load",
  ...options,
  fn: () => scenario("crash"),
});
Deno.test({
  name: "e2e prometheus: outage hold and resume",
  ...options,
  fn: () => scenario("prometheus"),
});
Deno.test({
  name: "e2e badinput: corpus and fuzz barrage",
  ...options,
  fn: () => scenario("badinput"),
});
Deno.test({
  name: "e2e slowclients: slow and hostile clients",
  ...options,
  fn: () => scenario("slowclients"),
});
Deno.test({
  name: "e2e overload: 3× capacity sheds with 429",
  ...options,
  fn: () => scenario("overload"),
});

Deno.test({
  name: "e2e: clean-up",
  ...options,
  async fn() {
    await Deno.remove(out, { recursive: true });
  },
});
