/**
 * `deno task preprocess IMAGE --out FILE.f32`: the torchvision-exact ResNet18 input tensor of one
 * JPEG or PNG (lib/image/command.ts).
 *
 * @module
 */
import { PREPROCESS_COMMAND } from "./lib/image/mod.ts";
import { main, runCommand } from "./lib/shared/mod.ts";

/** Runs the command with `args` (without the script name) and returns the exit status. */
export function run(args: string[]): Promise<number> {
  return runCommand(PREPROCESS_COMMAND, args);
}

if (import.meta.main) await main(PREPROCESS_COMMAND);
