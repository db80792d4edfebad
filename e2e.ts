/**
 * `deno task e2e [--full] [--only crash,prometheus,...] [--out DIR]`: the reliability and
 * security scenarios, each a real local stack on loopback (replicas, dispatcher, autoscaler,
 * Prometheus, load tester as processes), torn down after each scenario. Prints a figures table,
 * writes `DIR/results.json` (default `e2e-out/`), and exits 1 when a check fails (`fullOnly`
 * checks count in the full run only).
 *
 * Scenarios: crash (SIGKILL replicas under load), prometheus (Prometheus outage), badinput
 * (bad-input corpus and seeded fuzz with normal traffic), slowclients (slowloris, slow bodies,
 * oversized bodies and headers, idle connections, malformed multipart), overload (3× capacity,
 * 429 shedding), soak (10 minutes at 60%, full run only).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type ScenarioEntry, type ScenarioId, SCENARIOS } from "./e2e/scenarios.ts";
import { failures, type ScenarioResult } from "./e2e/scenario.ts";
import { killAllGroups } from "./e2e/stack.ts";
import { formatResults } from "./e2e/table.ts";

const HELP = `Usage: deno task e2e [--full] [--only ${Object.keys(SCENARIOS).join(",")}] [--out DIR]

  --full       full parameters (long runs, thousands of fuzz cases, the 10-minute soak)
  --only LIST  comma-separated scenarios to run (default: all; soak runs only with --full)
  --out DIR    output directory (default e2e-out)`;

/** Runs the chosen scenarios one after another; returns their results. */
export async function runScenarios(
  ids: ScenarioId[],
  options: { full: boolean; out: string; log?: (line: string) => void },
): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  const log = options.log ?? ((line: string) => console.error(line));
  for (const id of ids) {
    const dir = `${options.out}/${id}`;
    await Deno.mkdir(dir, { recursive: true });
    log(`# ${id} (${options.full ? "full" : "reduced"})`);
    const started = performance.now();
    let result: ScenarioResult;
    try {
      result = await SCENARIOS[id].run({
        full: options.full,
        dir,
        log: (m) => log(`  [${id}] ${m}`),
      });
    } catch (err) {
      log(`  [${id}] error: ${(err as Error).stack ?? err}`);
      result = {
        scenario: id,
        title: "did not complete",
        mode: options.full ? "full" : "reduced",
        seconds: Math.round((performance.now() - started) / 100) / 10,
        figures: {},
        checks: [{ name: "scenario completed", ok: false, detail: String(err) }],
      };
    }
    results.push(result);
    await Deno.writeTextFile(`${options.out}/results.json`, JSON.stringify(results, null, 2));
  }
  return results;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      full: { type: "boolean", default: false },
      only: { type: "string", default: "" },
      out: { type: "string", default: "e2e-out" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    Deno.exit(0);
  }
  const known = Object.keys(SCENARIOS) as ScenarioId[];
  const only = values.only.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = only.filter((s) => !known.includes(s as ScenarioId));
  if (unknown.length) {
    console.error(`e2e: unknown scenario ${unknown.join(", ")}; known: ${known.join(", ")}`);
    Deno.exit(2);
  }
  const ids = only.length
    ? only as ScenarioId[]
    : known.filter((id) => values.full || !(SCENARIOS[id] as ScenarioEntry).fullOnly);
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(sig, () => {
      killAllGroups();
      Deno.exit(130);
    });
  }
  const results = await runScenarios(ids, { full: values.full, out: values.out });
  console.log(formatResults(results));
  console.log(`results: ${values.out}/results.json`);
  Deno.exit(results.some((r) => failures(r).length > 0) ? 1 : 0);
}
