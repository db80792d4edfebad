import assert from "node:assert/strict";
import { run } from "../preprocess.ts";

const ROOT = new URL("../testdata/", import.meta.url);
const path = (p: string) => new URL(p, ROOT).pathname;

/** Runs `preprocess.ts` as a process, for its printed output. */
async function cli(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      new URL("../preprocess.ts", import.meta.url).pathname,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b).trim();
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("preprocess.ts", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const golden = JSON.parse(await Deno.readTextFile(path("golden/golden_preprocess.json")));
    const goldenBytes = await Deno.readFile(path("golden/golden_preprocess.f32"));
    for (const file of ["chelsea.png", "synthetic_500x375_cmyk.jpg"]) {
      await t.step(`${file}: writes the golden tensor and a JSON summary`, async () => {
        const out = `${dir}/${file}.f32`;
        const r = await cli([path(`images/${file}`), "--out", out]);
        assert.equal(r.code, 0, r.stderr);
        const summary = JSON.parse(r.stdout);
        const g = golden.images.find((i: { file: string }) => i.file === file);
        assert.deepEqual(
          [summary.file, summary.width, summary.height, summary.mode],
          [path(`images/${file}`), ...g.size, g.mode],
        );
        assert.equal(typeof summary.ms, "number");
        assert.deepEqual(
          await Deno.readFile(out),
          goldenBytes.subarray(g.offset, g.offset + g.bytes),
        );
      });
    }
    await t.step("a refused image exits 1 with a JSON error on stderr", async () => {
      const r = await cli([path("bad_inputs/bomb_100000x100000.png"), "-o", `${dir}/x.f32`]);
      assert.equal(r.code, 1);
      assert.equal(JSON.parse(r.stderr).error.code, "too_large");
    });
    const usage: [string, string[]][] = [
      ["no image", ["--out", `${dir}/x.f32`]],
      ["no --out", [path("images/chelsea.png")]],
      ["two images", ["a.png", "b.png", "--out", `${dir}/x.f32`]],
      ["bad --max-pixels", [
        path("images/chelsea.png"),
        "--out",
        `${dir}/x.f32`,
        "--max-pixels",
        "0",
      ]],
      ["unknown flag", ["--frobnicate"]],
    ];
    for (const [name, args] of usage) {
      await t.step(`${name} exits 2`, async () => assert.equal(await run(args), 2));
    }
    await t.step("--max-pixels refuses a smaller limit", async () => {
      const args = [path("images/chelsea.png"), "--out", `${dir}/y.f32`, "--max-pixels", "1000"];
      assert.equal(await run(args), 1);
    });
    await t.step("an unreadable file exits 1", async () => {
      assert.equal(await run([`${dir}/missing.png`, "--out", `${dir}/z.f32`]), 1);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
