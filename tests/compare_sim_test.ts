/** compare.ts in simulation mode and its flag handling, in process. */
import assert from "node:assert/strict";
import { run } from "../compare.ts";

async function compare(args: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await run(args, (l) => lines.push(l));
  return { code, lines };
}

Deno.test("compare.ts sim", async (t) => {
  const out = await Deno.makeTempDir({ prefix: "compare_sim_" });
  try {
    await t.step("a small scenario writes the report", async () => {
      const { code, lines } = await compare([
        ...["--mode", "sim", "--scenario", "step", "--scale", "0.01", "--duration", "300"],
        ...["--policies", "hpa,cpa,queue", "--seed", "3", "--out", `${out}/step`],
      ]);
      assert.equal(code, 0, lines.join("\n"));
      const summary = JSON.parse(await Deno.readTextFile(`${out}/step/summary.json`));
      assert.equal(summary.mode, "sim");
      assert.deepEqual(summary.runs.map((r: { label: string }) => r.label), [
        "hpa",
        "cpa",
        "queue",
      ]);
      for (const r of summary.runs) assert.equal(r.series.offered.length, 300);
      assert.ok((await Deno.stat(`${out}/step/index.html`)).size > 10_000);
      assert.match(lines.join("\n"), /\n\| queue \|/);
    });
    await t.step("a trace file replays as a scenario", async () => {
      const { code, lines } = await compare([
        ...["--mode", "sim", "--trace", "traces/nab_aws_elb_request_count.csv"],
        ...["--scale", "0.02", "--duration", "200", "--policies", "cpa", "--out", `${out}/trace`],
      ]);
      assert.equal(code, 0, lines.join("\n"));
      const summary = JSON.parse(await Deno.readTextFile(`${out}/trace/summary.json`));
      assert.match(summary.scenario, /nab_aws_elb_request_count\.csv/);
      assert.equal(summary.runs[0].series.offered.length, 200);
    });
    await t.step("--sweep adds the sweep", async () => {
      const { code } = await compare([
        ...["--mode", "sim", "--scenario", "spike", "--scale", "0.01", "--duration", "120"],
        ...["--policies", "hpa,cpa", "--sweep", "--out", `${out}/sweep`],
      ]);
      assert.equal(code, 0);
      const summary = JSON.parse(await Deno.readTextFile(`${out}/sweep/summary.json`));
      assert.deepEqual(Object.keys(summary.sweep.knobs), ["hpa", "cpa"]);
      assert.ok(summary.sweep.points.some((p: { policy: string }) => p.policy === "oracle"));
    });
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("compare.ts flags", async (t) => {
  const cases: [string, string[], number, RegExp | null][] = [
    ["--help", ["--help"], 0, /Usage: deno task compare/],
    ["subcommand help", ["calibrate", "--help"], 0, /--rounds/],
  ];
  for (const [name, args, want, pattern] of cases) {
    await t.step(name, async () => {
      const { code, lines } = await compare(args);
      assert.equal(code, want);
      if (pattern) assert.match(lines.join("\n"), pattern);
    });
  }
  const bad: [string, string[]][] = [
    ["unknown policy", ["--policies", "hpa,nope"]],
    ["unknown mode", ["--mode", "cloud"]],
    ["unknown flag", ["--frobnicate"]],
    ["negative slo", ["--slo-ms", "-1"]],
  ];
  for (const [name, args] of bad) {
    await t.step(`${name} exits 2`, async () => assert.equal((await compare(args)).code, 2));
  }
  await t.step("unknown scenario is named", async () => {
    await assert.rejects(() => compare(["--scenario", "nope", "--out", "/tmp/x"]), /got nope/);
  });
});
