/**
 * The one `main` of every entry script: parse the flags of its command (exit 2 on a usage error,
 * 0 after `--help`), run it with SIGTERM/SIGINT turned into an abort, exit with its code (1 if
 * it failed). A script with several commands (`autoscaler run|evaluate`) names them first.
 *
 * @module
 */
import { type Flag, type Flags, helpText, parseFlags, UsageError } from "./cli.ts";

/** What a command gets besides its flags. */
export interface RunContext {
  /** Aborted on SIGTERM or SIGINT: a service drains, a one-shot command stops early. */
  signal: AbortSignal;
  /** Arguments that are not flags (only for a command that declares `positionals`). */
  positionals: string[];
}

/** One command of an entry script: its flag table and its `run`. */
export interface Command<S extends Record<string, Flag> = Record<string, Flag>> {
  /** Name in messages, e.g. `replica` or `autoscaler run`. */
  name: string;
  /** Usage text shown above the options by `--help`. */
  usage: string;
  /** Its flags. */
  flags: S;
  /** Environment-variable prefix of the flags, e.g. `REPLICA`. */
  envPrefix: string;
  /** Takes arguments that are not flags (e.g. `preprocess IMAGE`); otherwise they are refused. */
  positionals?: boolean;
  /** Runs the command; resolves with the exit code (services: once drained). */
  run(options: Flags<S>, context: RunContext): Promise<number | void> | number | void;
}

/** Several commands under one script: the first argument picks one. */
export interface CommandSet {
  /** Name of the script in messages, e.g. `autoscaler`. */
  name: string;
  /** Usage line of the script. */
  usage: string;
  /** The commands by name. */
  commands: Record<string, Command>;
  /** The command run when the first argument is a flag or absent (none: the name is required). */
  default?: string;
}

/** Types a command's `run` by its flag table. */
export function defineCommand<S extends Record<string, Flag>>(command: Command<S>): Command {
  return command as unknown as Command;
}

/** What {@link dispatch} decided: a command with its arguments, or an exit with a message. */
export type Dispatched = { command: Command; args: string[] } | { exit: number; message: string };

/** Picks the command of a {@link CommandSet} from the first argument. */
export function dispatch(entry: Command | CommandSet, args: string[]): Dispatched {
  if (!("commands" in entry)) return { command: entry, args };
  const [first, ...rest] = args;
  const names = Object.keys(entry.commands).join("|");
  if (first === "--help" || first === "-h") {
    return { exit: 0, message: `${entry.usage}\n\nCommands: ${names} (each answers --help)` };
  }
  if (first !== undefined && Object.hasOwn(entry.commands, first)) {
    return { command: entry.commands[first], args: rest };
  }
  if (entry.default && (first === undefined || first.startsWith("-"))) {
    return { command: entry.commands[entry.default], args };
  }
  return {
    exit: 2,
    message: `${entry.name}: unknown command ${JSON.stringify(first ?? "")}; ${entry.usage}`,
  };
}

/**
 * Runs a command to its end and resolves with the process's exit code: 2 for a usage error
 * (printed with a hint at `--help`), 0 after `--help`, 1 when it throws. SIGTERM and SIGINT abort
 * the command's signal; with `exiting` (the process exits right after) their listeners stay, so
 * a second signal during the exit is absorbed instead of killing the process with 143.
 */
export async function runCommand(
  command: Command,
  args: string[],
  how: { exiting?: boolean } = {},
): Promise<number> {
  const positionals: string[] = [];
  let options;
  try {
    options = parseFlags(command.flags, args, {
      envPrefix: command.envPrefix,
      ...(command.positionals ? { positionals } : {}),
    });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${command.name}: ${err.message} (see --help)`);
    return 2;
  }
  if (options === "help") {
    console.log(helpText(command.usage, command.flags, command.envPrefix));
    return 0;
  }
  const controller = new AbortController();
  const abort = () => controller.abort();
  for (const sig of ["SIGTERM", "SIGINT"] as const) Deno.addSignalListener(sig, abort);
  try {
    return (await command.run(options, { signal: controller.signal, positionals })) ?? 0;
  } catch (err) {
    const usage = err instanceof UsageError;
    console.error(`${command.name}: ${err instanceof Error ? err.message : err}`);
    return usage ? 2 : 1;
  } finally {
    if (!how.exiting) {
      for (const sig of ["SIGTERM", "SIGINT"] as const) Deno.removeSignalListener(sig, abort);
    }
  }
}

/** The `main` of an entry script: runs its command (or the one named first) and exits. */
export async function main(entry: Command | CommandSet, args = Deno.args): Promise<never> {
  const picked = dispatch(entry, args);
  if ("exit" in picked) {
    (picked.exit === 0 ? console.log : console.error)(picked.message);
    Deno.exit(picked.exit);
  }
  Deno.exit(await runCommand(picked.command, picked.args, { exiting: true }));
}

/**
 * Runs `stop` once `signal` aborts (at once if it already has); resolves when `stop` has finished.
 * A service's `finished` promise.
 */
export function onAbort(signal: AbortSignal, stop: () => Promise<void>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = () => stop().then(resolve, reject);
    if (signal.aborted) done();
    else signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Waits for `work` but at most `graceSeconds`: `"drained"` if it finished, `"timeout"` if the
 * grace period ran out first (for shutdown drains).
 */
export async function withinGrace(
  work: Promise<unknown>,
  graceSeconds: number,
): Promise<"drained" | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const grace = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), graceSeconds * 1000);
  });
  try {
    return await Promise.race([work.then(() => "drained" as const), grace]);
  } finally {
    clearTimeout(timer);
  }
}
