import assert from "node:assert/strict";
import { jsonLines, parseLogLine } from "./json_lines.ts";

const streamOf = (...chunks: string[]) =>
  ReadableStream.from(chunks.map((c) => new TextEncoder().encode(c)));

Deno.test("parseLogLine: objects parse, anything else is kept raw", () => {
  assert.deepEqual(parseLogLine('{"event":"ready","port":1}'), { event: "ready", port: 1 });
  for (const line of ["not json", "42", "[1,2]", "null", '"s"']) {
    assert.deepEqual(parseLogLine(line), { raw: line });
  }
});

Deno.test("jsonLines: lines split across chunks and characters split across bytes", async () => {
  const bytes = new TextEncoder().encode('{"msg":"héllo"}\n');
  const cut = bytes.indexOf(0xc3) + 1; // inside the two-byte é
  const stream = ReadableStream.from([
    new TextEncoder().encode('{"event":"listen'),
    new TextEncoder().encode('ing","port":7}\n\nplain text\n'),
    bytes.subarray(0, cut),
    bytes.subarray(cut),
    new TextEncoder().encode('{"last":true}'),
  ]);
  const got = await Array.fromAsync(jsonLines(stream));
  assert.deepEqual(got, [
    { event: "listening", port: 7 },
    { raw: "plain text" },
    { msg: "héllo" },
    { last: true },
  ]);
  assert.deepEqual(await Array.fromAsync(jsonLines(streamOf())), []);
});
