/**
 * compare.ts: simulation mode in process (the `run` command), and the command line through the
 * entry script as a process (help, usage errors, exit codes, messages).
 */
import assert from "node:assert/strict";
import { compareCommands } from "../lib/compare/mod.ts";
import { runCommand } from "../lib/shared/mod.ts";

/** `compare run ARGS` in process: its exit code and the lines it printed. */
async function compare(args: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runCommand(compareCommands((l) => lines.push(l)).commands.run, args);
  return { code, lines };
}

/** `deno run -A compare.ts ARGS` as a process: its exit code, stdout and stderr. */
async function entry(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "compare.ts", ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
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
  const cases: [string, string[], number, RegExp][] = [
    [
      "--help",
      ["--help"],
      0,
      /Usage: deno task compare[^]*Commands: run\|calibrate\|validate\|demo/,
    ],
    ["subcommand help", ["calibrate", "--help"], 0, /--rounds/],
    ["validate's and demo's own policies", ["demo", "--help"], 0, /"hpa,cpa-seed,cpa"; env/],
  ];
  for (const [name, args, want, pattern] of cases) {
    await t.step(name, async () => {
      const { code, stdout } = await entry(args);
      assert.equal(code, want);
      assert.match(stdout, pattern);
    });
  }
  const bad: [string, string[], string][] = [
    [
      "unknown policy",
      ["--policies", "hpa,nope"],
      "--policies entries must be one of hpa, cpa-seed, cpa, kpa, queue: got nope",
    ],
    ["unknown mode", ["--mode", "cloud"], "--mode must be one of live|sim: got cloud"],
    ["unknown flag", ["--frobnicate"], "Unknown option '--frobnicate'"],
    ["negative slo", ["--slo-ms", "-1"], "Option '--slo-ms' argument is ambiguous"],
    ["unknown command", ["frobnicate"], 'unknown command "frobnicate"'],
  ];
  for (const [name, args, message] of bad) {
    await t.step(`${name} exits 2`, async () => {
      const { code, stderr } = await entry(args);
      assert.equal(code, 2);
      assert.ok(stderr.startsWith(`compare: ${message}`), stderr);
    });
  }
  await t.step("unknown scenario is named, exits 1", async () => {
    const { code, stderr } = await entry(["--scenario", "nope", "--out", "/tmp/x"]);
    assert.equal(code, 1);
    assert.match(stderr, /^compare: .*got nope/);
  });
});
