/**
 * A short live comparison on the real stack: two policies, 25 s of a low-rate spike each, native
 * replicas, the built-in scraper. Checks the report files and that each run's series are whole.
 */
import assert from "node:assert/strict";
import { compareCommands } from "../lib/compare/mod.ts";
import { runCommand } from "../lib/shared/mod.ts";

Deno.test({
  name: "compare.ts live: two policies on the real stack",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    const out = await Deno.makeTempDir({ prefix: "compare_live_" });
    const lines: string[] = [];
    try {
      const { commands } = compareCommands((l) => lines.push(l));
      const code = await runCommand(commands.run, [
        ...["--mode", "live", "--scenario", "spike", "--policies", "hpa,cpa"],
        ...["--duration", "25", "--peak-rps", "8", "--interval", "3", "--window-s", "10"],
        ...["--metrics", "scrape", "--startup-delay-s", "0", "--max", "2"],
        ...["--seed", "7", "--out", out],
      ]);
      await t.step("exits 0 and prints the table and the report path", () => {
        assert.equal(code, 0, lines.join("\n"));
        assert.ok(lines.some((l) => l.includes("| hpa |")), lines.join("\n"));
        assert.ok(lines.some((l) => l === `report: ${out}/index.html`));
      });
      const summary = JSON.parse(await Deno.readTextFile(`${out}/summary.json`));
      await t.step("report files", async () => {
        for (const f of ["index.html", "seconds_hpa.csv", "seconds_cpa.csv"]) {
          assert.ok((await Deno.stat(`${out}/${f}`)).size > 0, f);
        }
        assert.equal(summary.mode, "live");
        assert.deepEqual(summary.runs.map((r: { label: string }) => r.label), ["hpa", "cpa"]);
      });
      await t.step("series of the workload's length, replicas ≥ 1, requests served", () => {
        for (const r of summary.runs) {
          for (const [k, v] of Object.entries(r.series)) {
            assert.equal((v as unknown[]).length, 25, `${r.label} ${k}`);
          }
          assert.ok(r.series.replicas.every((x: number) => x >= 1), `${r.label} replicas`);
          const served = r.series.served.reduce((a: number, b: number) => a + b, 0);
          assert.ok(served > 0, `${r.label} served nothing`);
          assert.ok(r.summary.arrivals > 0 && r.summary.replicaSeconds >= 25);
          assert.ok(r.summary.costRatio > 0, `${r.label} cost ratio`);
        }
        assert.equal(summary.oracle.replicas.length, 25);
      });
      await t.step("every process of the runs is gone", async () => {
        const ps = await new Deno.Command("ps", { args: ["-eo", "args"] }).output();
        const text = new TextDecoder().decode(ps.stdout);
        assert.ok(!text.includes(`${out}/live_runs`), "loadtest or autoscaler left running");
      });
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});
