/**
 * The autoscaler entry point: `run` (the control loop, port 5000) and `evaluate` (one decision).
 *
 * `deno task autoscaler run --policy cpa --metrics scrape --dispatcher http://127.0.0.1:5052
 * --actuator local --min 1 --max 4 --interval 15` runs the loop: every `--interval` seconds it
 * reads the metrics (`--metrics prometheus --prometheus URL`, or the built-in scraper of the
 * dispatchers, the replicas they list and `--scrape-targets`), decides with the policy, and
 * scales through the actuator (`local` replica processes, `kubernetes` Deployment scale, or
 * `dry-run`). One JSON line per tick goes to `--decision-log` (default stdout); events go to
 * stderr. It serves `/metrics` and the Custom Pod Autoscaler REST API on `--port` (see
 * lib/autoscaler/app.ts). Every flag is also an environment variable (`AUTOSCALER_POLICY`, ...).
 *
 * `deno task autoscaler evaluate [--state-file FILE] < input.json` reads one evaluate input
 * `{policy, spec, observation, state}` (see lib/policy/evaluate.ts and docs in DESIGN.md),
 * prints one JSON line `{targetReplicas, reason, state}` and exits 0; bad input exits 2 with a
 * one-line error on stderr.
 *
 * Custom Pod Autoscaler framework: configure this command as the `evaluate` hook. The framework
 * sends `{"metrics": [{"value": "..."}], "resource": ..., "runType": ...}`; when the input has
 * `metrics` and no `policy`, the first metric's `value` (the metric hook's output) is read as
 * the evaluate input, and `targetReplicas` in the output is what the framework reads. The
 * framework keeps no state between runs, so pass `--state-file FILE` (needs `--allow-read` and
 * `--allow-write` for FILE): the state is read from FILE when the input has none and the new
 * state is written back.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { evaluate, type EvaluateOutput, InputError } from "./lib/policy/mod.ts";
import { runCommand } from "./lib/autoscaler/mod.ts";

export { run } from "./lib/autoscaler/mod.ts";
export { createApp } from "./lib/autoscaler/mod.ts";

const USAGE =
  "usage: autoscaler.ts evaluate [--state-file FILE] < input.json | autoscaler.ts run [options] (see run --help)";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The evaluate input inside a Custom Pod Autoscaler framework hook input (the first metric's
 * value, parsed), or `input` itself when it is not one.
 */
export function unwrapFrameworkInput(input: unknown): unknown {
  if (!isRecord(input) || "policy" in input || !Array.isArray(input.metrics)) return input;
  const first = input.metrics[0];
  if (!isRecord(first) || typeof first.value !== "string") {
    throw new InputError("metrics[0].value must be a string holding the evaluate input JSON");
  }
  try {
    return JSON.parse(first.value);
  } catch (e) {
    throw new InputError(`metrics[0].value is not valid JSON: ${(e as Error).message}`);
  }
}

async function readState(path: string): Promise<unknown> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw new InputError(`cannot read state file ${path}: ${(e as Error).message}`);
  }
}

/**
 * Evaluates the JSON text of one input; with `stateFile`, the state is read from it when the
 * input carries none and the new state is written to it.
 */
export async function evaluateText(
  text: string,
  options: { stateFile?: string } = {},
): Promise<EvaluateOutput> {
  if (text.trim() === "") throw new InputError("no input on stdin: expected one JSON object");
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (e) {
    throw new InputError(`input is not valid JSON: ${(e as Error).message}`);
  }
  input = unwrapFrameworkInput(input);
  if (options.stateFile !== undefined && isRecord(input) && input.state === undefined) {
    input = { ...input, state: await readState(options.stateFile) };
  }
  const output = evaluate(input);
  if (options.stateFile !== undefined) {
    await Deno.writeTextFile(options.stateFile, JSON.stringify(output.state) + "\n");
  }
  return output;
}

/** `evaluate` subcommand: stdin → one JSON line on stdout; returns the exit code. */
export async function evaluateCommand(args: string[]): Promise<number> {
  let stateFile: string | undefined;
  try {
    const { values } = parseArgs({ args, options: { "state-file": { type: "string" } } });
    stateFile = values["state-file"];
  } catch (e) {
    console.error(`autoscaler evaluate: ${(e as Error).message}; ${USAGE}`);
    return 2;
  }
  try {
    const text = await new Response(Deno.stdin.readable).text();
    const output = await evaluateText(text, { stateFile });
    console.log(JSON.stringify(output));
    return 0;
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    console.error(`autoscaler evaluate: ${e.message.replaceAll("\n", " ")}`);
    return 2;
  }
}

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  evaluate: evaluateCommand,
  run: runCommand,
};

if (import.meta.main) {
  const [command, ...rest] = Deno.args;
  if (command === undefined || !Object.hasOwn(COMMANDS, command)) {
    console.error(`autoscaler: unknown command ${JSON.stringify(command ?? "")}; ${USAGE}`);
    Deno.exit(2);
  }
  Deno.exit(await COMMANDS[command](rest));
}
