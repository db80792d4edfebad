/**
 * Command-line flags with environment-variable fallbacks, validated, with generated `--help`.
 *
 * Every flag `--max-batch` can also be set as `PREFIX_MAX_BATCH`; a flag on the command line wins
 * over the environment, which wins over the default. Parsing is node:util `parseArgs`; this module
 * adds types, ranges, choices and the help text.
 *
 * @module
 */
import { parseArgs } from "node:util";

/**
 * One flag's definition. A string or number flag whose `default` is `undefined` is optional: its
 * value is `undefined` when neither the command line nor the environment gives it. A `list` flag
 * may be repeated (`--header A --header B`); its variable holds the values comma-separated.
 */
export type Flag =
  | {
    type: "string";
    default: string | undefined;
    help: string;
    choices?: readonly string[];
    short?: string;
  }
  | {
    type: "number";
    default: number | undefined;
    help: string;
    min?: number;
    max?: number;
    integer?: boolean;
  }
  | { type: "boolean"; default: boolean; help: string }
  | { type: "list"; default: readonly string[]; help: string };

/** The parsed value type of a flag definition. */
export type FlagValue<F extends Flag> = F extends { type: "string"; default: infer D }
  ? (D extends string ? string : string | undefined)
  : F extends { type: "number"; default: infer D }
    ? (D extends number ? number : number | undefined)
  : F extends { type: "list" } ? string[]
  : boolean;

/** Parsed values of a flag set, keyed by camelCase name (`max-batch` → `maxBatch`). */
export type Flags<S extends Record<string, Flag>> = {
  [K in keyof S as CamelCase<K & string>]: FlagValue<S[K]>;
};

type CamelCase<S extends string> = S extends `${infer A}-${infer B}`
  ? `${A}${Capitalize<CamelCase<B>>}`
  : S;

/** A bad flag or value; entry scripts print it with the help hint and exit 2. */
export class UsageError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function envName(prefix: string, flag: string): string {
  return `${prefix}_${flag.toUpperCase().replaceAll("-", "_")}`;
}

function convert(flag: Flag, raw: string | boolean | string[], source: string): unknown {
  if (flag.type === "list") {
    return Array.isArray(raw) ? raw : String(raw).split(",").map((v) => v.trim()).filter(Boolean);
  }
  if (Array.isArray(raw)) throw new UsageError(`${source} is given more than once`);
  if (flag.type === "boolean") {
    if (typeof raw === "boolean") return raw;
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new UsageError(`${source} must be true or false: got ${raw}`);
  }
  const text = String(raw);
  if (flag.type === "string") {
    if (flag.choices && !flag.choices.includes(text)) {
      throw new UsageError(`${source} must be one of ${flag.choices.join("|")}: got ${text}`);
    }
    return text;
  }
  const value = Number(text);
  const min = flag.min ?? -Infinity, max = flag.max ?? Infinity;
  if (text.trim() === "" || !Number.isFinite(value) || (flag.integer && !Number.isInteger(value))) {
    throw new UsageError(
      `${source} must be ${flag.integer ? "an integer" : "a number"}: got ${text}`,
    );
  }
  if (value < min || value > max) {
    throw new UsageError(`${source} must be between ${min} and ${max}: got ${text}`);
  }
  return value;
}

/**
 * The process's environment; empty when the process may not read it (a hook run with only
 * `--allow-read`, such as `autoscaler evaluate`: its flags then come from the command line).
 */
function processEnv(): Record<string, string> {
  try {
    return Deno.env.toObject();
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) return {};
    throw err;
  }
}

/** Options of {@link parseFlags}. */
export interface ParseOptions {
  /** Prefix of the flags' environment variables, e.g. `REPLICA`. */
  envPrefix: string;
  /** The environment (default: the process's). */
  env?: Record<string, string | undefined>;
  /** Arguments that are not flags are collected here; without it they are a usage error. */
  positionals?: string[];
}

/**
 * Parses `args` against `spec`, falling back to `env[PREFIX_FLAG]`, then the default.
 * Returns `"help"` for `--help`/`-h`; throws {@link UsageError} for anything invalid.
 */
export function parseFlags<S extends Record<string, Flag>>(
  spec: S,
  args: string[],
  options: ParseOptions,
): Flags<S> | "help" {
  const env = options.env ?? processEnv();
  const parseOptions: Record<
    string,
    { type: "string" | "boolean"; short?: string; multiple?: boolean }
  > = { help: { type: "boolean", short: "h" } };
  for (const [name, flag] of Object.entries(spec)) {
    parseOptions[name] = {
      type: flag.type === "boolean" ? "boolean" : "string",
      ...(flag.type === "list" ? { multiple: true } : {}),
      ...("short" in flag && flag.short ? { short: flag.short } : {}),
    };
  }
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: options.positionals !== undefined,
      options: parseOptions,
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (parsed.values.help) return "help";
  options.positionals?.push(...parsed.positionals);
  const out: Record<string, unknown> = {};
  for (const [name, flag] of Object.entries(spec)) {
    const fromArgs = parsed.values[name] as string | boolean | string[] | undefined;
    const variable = envName(options.envPrefix, name);
    const fromEnv = env[variable];
    if (fromArgs !== undefined) out[camel(name)] = convert(flag, fromArgs, `--${name}`);
    else if (fromEnv !== undefined && fromEnv !== "") {
      out[camel(name)] = convert(flag, fromEnv, variable);
    } else out[camel(name)] = Array.isArray(flag.default) ? [...flag.default] : flag.default;
  }
  return out as Flags<S>;
}

/** The `--help` text: usage line, then one line per flag with its variable and default. */
export function helpText(usage: string, spec: Record<string, Flag>, envPrefix: string): string {
  const rows = Object.entries(spec).map(([name, f]) => {
    const kind = f.type === "string" && f.choices
      ? f.choices.join("|")
      : f.type === "boolean"
      ? ""
      : f.type === "list"
      ? "string, repeatable"
      : f.type;
    const short = "short" in f && f.short ? `-${f.short}, ` : "";
    const left = `  ${short}--${name}${kind ? ` <${kind}>` : ""}`;
    const shown = f.default === undefined ? "none" : JSON.stringify(f.default);
    const right = `${f.help} (default ${shown}; env ${envName(envPrefix, name)})`;
    return [left, right];
  });
  rows.push(["  --help, -h", "show this help"]);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const lines = rows.map(([left, right]) => left.padEnd(width) + right);
  return `${usage}\n\nOptions:\n${lines.join("\n")}\n`;
}
