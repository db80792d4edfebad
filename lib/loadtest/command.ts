/**
 * The `loadtest` command of the shared main: its flags, `--help` text and `run`, which resolves
 * with the run's exit code (99 when a threshold fails).
 *
 * @module
 */
import { defineCommand, UsageError } from "../shared/mod.ts";
import { run } from "./app.ts";
import { type LoadFlags, LOADTEST_ENV_PREFIX, LOADTEST_FLAGS, LOADTEST_USAGE } from "./flags.ts";
import { type LoadOptions, toLoadOptions } from "./options.ts";

/** Validates the flags; a bad combination carries the `--help` hint like a bad flag does. */
function validated(flags: LoadFlags): LoadOptions {
  try {
    return toLoadOptions(flags);
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(`${e.message} (see --help)`);
    throw e;
  }
}

/** `loadtest`: one open-loop load test; exits 0, 2 on bad usage or input, 99 on a threshold. */
export const LOADTEST_COMMAND = defineCommand({
  name: "loadtest",
  usage: LOADTEST_USAGE,
  flags: LOADTEST_FLAGS,
  envPrefix: LOADTEST_ENV_PREFIX,
  async run(flags, { signal }) {
    const outcome = await run(validated(flags), signal);
    return outcome.exitCode;
  },
});
