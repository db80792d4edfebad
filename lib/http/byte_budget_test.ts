import assert from "node:assert/strict";
import { ByteBudget, declaredLength } from "./byte_budget.ts";

Deno.test("ByteBudget reserves up to its limit and gives back", () => {
  const budget = new ByteBudget(100);
  assert.ok(budget.tryTake(60));
  assert.ok(budget.tryTake(40));
  assert.equal(budget.tryTake(1), false, "full");
  budget.give(60);
  assert.ok(budget.tryTake(50));
  assert.equal(budget.held, 90);
});

Deno.test("ByteBudget lets one request larger than the limit in when it holds nothing", () => {
  const budget = new ByteBudget(100);
  assert.ok(budget.tryTake(150));
  assert.equal(budget.tryTake(1), false);
  budget.give(150);
  assert.equal(budget.held, 0);
});

Deno.test("ByteBudget's refusal says what is held and the budget, with Retry-After", () => {
  const budget = new ByteBudget(64 * 1048576);
  budget.tryTake(60 * 1048576);
  const err = budget.refusal(16 * 1048576, 429, "queue_full");
  assert.equal(err.status, 429);
  assert.equal(err.retryAfterSeconds, 1);
  assert.match(err.message, /60\.0 MiB .* 16\.0 MiB more is over the 64\.0 MiB budget/);
});

Deno.test("declaredLength reads decimal Content-Length only", () => {
  const req = (length?: string) =>
    new Request("http://x/", {
      method: "POST",
      headers: length === undefined ? {} : { "content-length": length },
    });
  assert.equal(declaredLength(req("1234")), 1234);
  assert.equal(declaredLength(req()), undefined);
});
