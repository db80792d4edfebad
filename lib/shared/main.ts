/**
 * The `main` of a long-running entry script: parse flags (exit 2 on a usage error, 0 after
 * `--help`), start the service, turn SIGTERM/SIGINT into an abort, wait until it has drained,
 * exit 0 (or 1 if starting or draining failed).
 *
 * @module
 */
import { type Flag, type Flags, helpText, parseFlags, UsageError } from "./cli.ts";

/** What an entry script declares about itself. */
export interface Program<S extends Record<string, Flag>> {
  /** Name used in error messages, e.g. `replica`. */
  name: string;
  /** Usage text shown above the options by `--help`. */
  usage: string;
  /** Its flags. */
  flags: S;
  /** Environment-variable prefix of the flags, e.g. `REPLICA`. */
  envPrefix: string;
}

/** Runs `start` as the process's service and exits when it has finished. */
export async function serveMain<S extends Record<string, Flag>>(
  program: Program<S>,
  start: (options: Flags<S>, signal: AbortSignal) => Promise<{ finished: Promise<void> }> | {
    finished: Promise<void>;
  },
): Promise<never> {
  let options;
  try {
    options = parseFlags(program.flags, Deno.args, { envPrefix: program.envPrefix });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${program.name}: ${err.message} (see --help)`);
    Deno.exit(2);
  }
  if (options === "help") {
    console.log(helpText(program.usage, program.flags, program.envPrefix));
    Deno.exit(0);
  }
  const controller = new AbortController();
  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(sig, () => controller.abort());
  }
  try {
    await (await start(options, controller.signal)).finished;
  } catch (err) {
    console.error(`${program.name}: ${err instanceof Error ? err.message : err}`);
    Deno.exit(1);
  }
  Deno.exit(0);
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
