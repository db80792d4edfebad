/**
 * `deno task e2e [--full] [--only crash,prometheus,...] [--out DIR]`: the reliability and
 * security scenarios, each a real local stack on loopback, torn down after each scenario. Prints
 * a figures table, writes `DIR/results.json`, exits 1 when a check fails. The scenarios are
 * listed in e2e/scenarios.ts.
 *
 * @module
 */
import { defineCommand, UsageError } from "../lib/shared/mod.ts";
import { failures, type ScenarioResult } from "./scenario.ts";
import { type ScenarioEntry, type ScenarioId, SCENARIOS } from "./scenarios.ts";
import { killAllGroups } from "./stack.ts";
import { formatResults } from "./table.ts";

/** The flags of `e2e.ts` (env prefix `E2E_`). */
export const E2E_FLAGS = {
  full: {
    type: "boolean",
    default: false,
    help: "full parameters (long runs, thousands of fuzz cases, the 10-minute soak)",
  },
  only: {
    type: "string",
    default: "",
    help: `comma-separated scenarios (${
      Object.keys(SCENARIOS).join(",")
    }; default: all, soak only with --full)`,
  },
  out: { type: "string", default: "e2e-out", help: "output directory" },
} as const;

/** One scenario's result when it threw instead of finishing. */
function didNotComplete(id: ScenarioId, full: boolean, seconds: number, err: unknown) {
  return {
    scenario: id,
    title: "did not complete",
    mode: full ? "full" : "reduced",
    seconds: Math.round(seconds * 10) / 10,
    figures: {},
    checks: [{ name: "scenario completed", ok: false, detail: String(err) }],
  } as ScenarioResult;
}

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
    try {
      const scenarioLog = (m: string) => log(`  [${id}] ${m}`);
      results.push(await SCENARIOS[id].run({ full: options.full, dir, log: scenarioLog }));
    } catch (err) {
      log(`  [${id}] error: ${(err as Error).stack ?? err}`);
      const seconds = (performance.now() - started) / 1000;
      results.push(didNotComplete(id, options.full, seconds, err));
    }
    await Deno.writeTextFile(`${options.out}/results.json`, JSON.stringify(results, null, 2));
  }
  return results;
}

/** The scenarios `--only` names, or every one the mode runs. */
function chosen(only: string, full: boolean): ScenarioId[] {
  const known = Object.keys(SCENARIOS) as ScenarioId[];
  const named = only.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = named.filter((s) => !known.includes(s as ScenarioId));
  if (unknown.length) {
    throw new UsageError(`unknown scenario ${unknown.join(", ")}; known: ${known.join(", ")}`);
  }
  if (named.length) return named as ScenarioId[];
  return known.filter((id) => full || !(SCENARIOS[id] as ScenarioEntry).fullOnly);
}

/** `e2e.ts`: exits 1 when a check fails; SIGINT/SIGTERM kill every stack and exit 130. */
export const E2E_COMMAND = defineCommand({
  name: "e2e",
  usage: "Usage: deno task e2e [--full] [--only LIST] [--out DIR]",
  flags: E2E_FLAGS,
  envPrefix: "E2E",
  async run(options, { signal }) {
    const ids = chosen(options.only, options.full);
    signal.addEventListener("abort", () => {
      killAllGroups();
      Deno.exit(130);
    }, { once: true });
    const results = await runScenarios(ids, { full: options.full, out: options.out });
    console.log(formatResults(results));
    console.log(`results: ${options.out}/results.json`);
    return results.some((r) => failures(r).length > 0) ? 1 : 0;
  },
});
