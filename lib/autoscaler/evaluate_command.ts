/**
 * `autoscaler evaluate`: one policy decision from stdin, as a Custom Pod Autoscaler framework
 * `evaluate` hook or on its own. See lib/autoscaler/README.md for the framework's input shape and
 * the state file.
 *
 * @module
 */
import { evaluate, type EvaluateOutput, InputError } from "../policy/mod.ts";
import { concatBytes, defineCommand } from "../shared/mod.ts";
import { EVALUATE_FLAGS } from "./flags.ts";

/** Usage line of the autoscaler script and of `evaluate --help`. */
export const AUTOSCALER_USAGE =
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

/** Largest evaluate input on stdin: a decision's observation is a few KB, a pod list a few MB. */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** Reads `stream` as UTF-8 text, refusing more than `limit` bytes. */
export async function readText(stream: ReadableStream<Uint8Array>, limit: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.length;
    if (total > limit) throw new InputError(`input is over ${limit} bytes`);
    chunks.push(chunk);
  }
  return new TextDecoder().decode(concatBytes(chunks));
}

/** `autoscaler evaluate`: stdin → one JSON line on stdout; bad input exits 2 with one line. */
export const EVALUATE_COMMAND = defineCommand({
  name: "autoscaler evaluate",
  usage: AUTOSCALER_USAGE,
  flags: EVALUATE_FLAGS,
  envPrefix: "AUTOSCALER",
  async run(options) {
    try {
      const text = await readText(Deno.stdin.readable, MAX_INPUT_BYTES);
      console.log(JSON.stringify(await evaluateText(text, { stateFile: options.stateFile })));
      return 0;
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      console.error(`autoscaler evaluate: ${e.message.replaceAll("\n", " ")}`);
      return 2;
    }
  },
});
