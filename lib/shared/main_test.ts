import assert from "node:assert/strict";
import { type CommandSet, defineCommand, dispatch, onAbort, runCommand } from "./main.ts";
import { UsageError } from "./cli.ts";

const echo = defineCommand({
  name: "echo",
  usage: "usage: echo [--code N]",
  flags: { code: { type: "number", default: 0, integer: true, help: "exit code" } },
  envPrefix: "ECHO_TEST",
  run: (options) => options.code,
});

const SET: CommandSet = {
  name: "tool",
  usage: "usage: tool run|echo",
  commands: { echo, run: echo },
  default: "run",
};

Deno.test("dispatch picks the named command, the default before flags, or exits", () => {
  assert.deepEqual(dispatch(SET, ["echo", "--code", "3"]), {
    command: echo,
    args: ["--code", "3"],
  });
  assert.deepEqual(dispatch(SET, ["--code", "3"]), { command: echo, args: ["--code", "3"] });
  const help = dispatch(SET, ["--help"]);
  assert.ok("exit" in help && help.exit === 0 && /Commands: echo\|run/.test(help.message));
  const unknown = dispatch({ ...SET, default: undefined }, ["nope"]);
  assert.ok("exit" in unknown && unknown.exit === 2);
  assert.match((unknown as { message: string }).message, /unknown command "nope"/);
});

Deno.test("runCommand's exit codes: run's own, 0 for --help, 2 for usage, 1 for a failure", async () => {
  assert.equal(await runCommand(echo, ["--code", "7"]), 7);
  assert.equal(await runCommand(echo, ["--help"]), 0);
  assert.equal(await runCommand(echo, ["--code", "x"]), 2);
  const failing = (err: Error) =>
    defineCommand({ ...echo, run: () => Promise.reject(err) } as never);
  assert.equal(await runCommand(failing(new Error("boom")), []), 1);
  assert.equal(await runCommand(failing(new UsageError("bad")), []), 2);
});

Deno.test("onAbort runs the stop once the signal aborts, or at once if it has", async () => {
  const controller = new AbortController();
  let stopped = 0;
  const finished = onAbort(controller.signal, () => Promise.resolve(void stopped++));
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(stopped, 0);
  controller.abort();
  await finished;
  assert.equal(stopped, 1);
  await onAbort(controller.signal, () => Promise.resolve(void stopped++));
  assert.equal(stopped, 2);
});
