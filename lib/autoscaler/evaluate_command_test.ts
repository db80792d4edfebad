import assert from "node:assert/strict";
import { InputError } from "../policy/mod.ts";
import { readText } from "./evaluate_command.ts";

function streamOf(...parts: string[]): ReadableStream<Uint8Array> {
  return ReadableStream.from(parts.map((p) => new TextEncoder().encode(p)));
}

Deno.test("readText joins the input and refuses it past the limit", async () => {
  assert.equal(await readText(streamOf('{"a":', "1}"), 100), '{"a":1}');
  await assert.rejects(readText(streamOf("x".repeat(60), "y".repeat(60)), 100), InputError);
});
