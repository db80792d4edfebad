import assert from "node:assert/strict";
import { parseModelArgs, run } from "../../models/build.ts";
import {
  buildResNet18,
  manifestPath,
  type ModelManifest,
  readManifest,
  sha256Hex,
} from "../../lib/model/mod.ts";

Deno.test("parseModelArgs", async (t) => {
  const cases: { name: string; args: string[]; error?: RegExp; seed?: number }[] = [
    { name: "defaults", args: [], seed: 0 },
    { name: "seed", args: ["--seed", "9"], seed: 9 },
    { name: "bad seed", args: ["--seed", "x"], error: /--seed must be an integer.*got x/ },
    { name: "from without sha", args: ["--from", "a.onnx"], error: /needs --sha256.*got none/ },
    {
      name: "short sha",
      args: ["--from", "a.onnx", "--sha256", "abc"],
      error: /64 hex digits: got abc/,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      if (c.error) return void assert.throws(() => parseModelArgs(c.args), c.error);
      const parsed = parseModelArgs(c.args);
      assert.ok(parsed !== "help");
      assert.equal(parsed.seed, c.seed);
      assert.equal(parsed.out, "models/resnet18.onnx");
    });
  }
});

Deno.test("model task", async (t) => {
  const dir = await Deno.makeTempDir();
  const source = `${dir}/real.onnx`;
  const bytes = buildResNet18({ seed: 3 });
  await Deno.writeFile(source, bytes);
  const sha = await sha256Hex(bytes);
  const out = `${dir}/models/resnet18.onnx`;

  await t.step("builds the synthetic model with a manifest", async () => {
    const m = await run({ seed: 0, out });
    assert.equal(m.synthetic, true);
    assert.equal(m.sha256, await sha256Hex(await Deno.readFile(out)));
    assert.deepEqual(m.inputs, ["data"]);
    assert.deepEqual(m.outputs, ["logits"]);
    const onDisk = JSON.parse(await Deno.readTextFile(manifestPath(out))) as ModelManifest;
    assert.equal(onDisk.source, "built:resnet18:seed=0");
  });

  await t.step("refuses a file whose checksum differs and keeps the old model", async () => {
    const before = await sha256Hex(await Deno.readFile(out));
    await assert.rejects(
      () => run({ seed: 0, out, from: source, sha256: "0".repeat(64) }),
      new RegExp(`checksum mismatch.*expected 0{64}, got ${sha}`),
    );
    assert.equal(await sha256Hex(await Deno.readFile(out)), before);
  });

  await t.step("installs a real model with a matching checksum", async () => {
    const m = await run({ seed: 0, out, from: source, sha256: sha.toUpperCase() });
    assert.equal(m.synthetic, false);
    assert.equal(m.source, source);
    assert.equal(m.sha256, sha);
    const read = await readManifest(out, await Deno.readFile(out));
    assert.equal(read.sha256, sha);
  });

  await t.step("downloads from an http URL (a loopback server) and verifies it", async () => {
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      () => new Response(bytes as Uint8Array<ArrayBuffer>),
    );
    const url = `http://127.0.0.1:${server.addr.port}/resnet18-v2-7.onnx`;
    const m = await run({ seed: 0, out, from: url, sha256: sha, force: true });
    assert.equal(m.source, url);
    assert.equal(await sha256Hex(await Deno.readFile(out)), sha);
    await server.shutdown();
  });

  await t.step("a model without a manifest is described from its bytes", async () => {
    const bare = `${dir}/bare.onnx`;
    await Deno.writeFile(bare, new Uint8Array([1, 2, 3]));
    const m = await readManifest(bare, new Uint8Array([1, 2, 3]));
    assert.equal(m.synthetic, false);
    assert.equal(m.sha256, await sha256Hex(new Uint8Array([1, 2, 3])));
  });

  await Deno.remove(dir, { recursive: true });
});
