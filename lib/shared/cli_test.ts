import assert from "node:assert/strict";
import { type Flag, helpText, parseFlags, UsageError } from "./cli.ts";

const SPEC = {
  port: { type: "number", default: 6000, min: 0, max: 65535, integer: true, help: "port" },
  backend: { type: "string", default: "wasm", choices: ["wasm", "native"], help: "backend" },
  "batch-delay-ms": { type: "number", default: 2, min: 0, help: "delay" },
  verbose: { type: "boolean", default: false, help: "chatty" },
} as const satisfies Record<string, Flag>;

Deno.test("parseFlags", async (t) => {
  const parse = (args: string[], env: Record<string, string> = {}) =>
    parseFlags(SPEC, args, { envPrefix: "REPLICA", env });

  await t.step("defaults, camelCase keys", () => {
    assert.deepEqual(parse([]), { port: 6000, backend: "wasm", batchDelayMs: 2, verbose: false });
  });
  await t.step("flags win over env, env over defaults", () => {
    const got = parse(["--port", "7000"], {
      REPLICA_PORT: "8000",
      REPLICA_BATCH_DELAY_MS: "0.5",
      REPLICA_VERBOSE: "true",
    });
    assert.ok(got !== "help");
    assert.equal(got.port, 7000);
    assert.equal(got.batchDelayMs, 0.5);
    assert.equal(got.verbose, true);
  });
  await t.step("--help", () => assert.equal(parse(["--help"]), "help"));

  const errors: [string, string[], Record<string, string>, RegExp][] = [
    ["not a number", ["--port", "x"], {}, /--port must be an integer: got x/],
    ["out of range", ["--port", "70000"], {}, /--port must be between 0 and 65535: got 70000/],
    [
      "bad env value names the variable",
      [],
      { REPLICA_BACKEND: "gpu" },
      /REPLICA_BACKEND must be one of wasm\|native: got gpu/,
    ],
    ["unknown flag", ["--nope", "1"], {}, /Unknown option '--nope'/],
    [
      "bad boolean env",
      [],
      { REPLICA_VERBOSE: "maybe" },
      /REPLICA_VERBOSE must be true or false: got maybe/,
    ],
  ];
  for (const [name, args, env, pattern] of errors) {
    await t.step(name, () => {
      assert.throws(
        () => parse(args, env),
        (err) => err instanceof UsageError && pattern.test(err.message),
      );
    });
  }
});

Deno.test("helpText", async (t) => {
  await t.step("lists each flag with its variable and default", () => {
    const text = helpText("Usage: x", SPEC, "REPLICA");
    assert.match(
      text,
      /--batch-delay-ms <number>\s+delay \(default 2; env REPLICA_BATCH_DELAY_MS\)/,
    );
    assert.match(text, /--backend <wasm\|native>/);
    assert.match(text, /--help, -h/);
  });
});
