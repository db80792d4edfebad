/**
 * The layout rules of docs/DESIGN.md, checked on the tree: components are folders with a
 * `mod.ts` face that other code imports, entry scripts import only faces, files and functions
 * stay short, and DESIGN.md's layout names every folder.
 */
import assert from "node:assert/strict";
import ts from "typescript";

const ROOT = new URL("../", import.meta.url).pathname;
const ENTRIES = [
  "replica.ts",
  "dispatcher.ts",
  "autoscaler.ts",
  "loadtest.ts",
  "compare.ts",
  "preprocess.ts",
  "e2e.ts",
];

function folders(): string[] {
  return [...Deno.readDirSync(`${ROOT}lib`)].filter((e) => e.isDirectory).map((e) => e.name)
    .sort();
}

function modules(folder: string): string[] {
  return [...Deno.readDirSync(`${ROOT}lib/${folder}`)]
    .filter((e) => e.isFile && e.name.endsWith(".ts") && !e.name.endsWith("_test.ts"))
    .map((e) => `lib/${folder}/${e.name}`).sort();
}

/** Every TypeScript file of `folder`, the unit tests beside its modules included. */
function sources(folder: string): string[] {
  return [...Deno.readDirSync(`${ROOT}lib/${folder}`)]
    .filter((e) => e.isFile && e.name.endsWith(".ts"))
    .map((e) => `lib/${folder}/${e.name}`).sort();
}

/** Relative import and re-export specifiers of `file` (a path from the root). */
function relativeImports(file: string): string[] {
  const text = Deno.readTextFileSync(`${ROOT}${file}`);
  const found = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^"';]*?from\s+"(\.{1,2}\/[^"]+)"/g)]
    .map((m) => m[1]);
  const dynamic = [...text.matchAll(/import\(\s*"(\.{1,2}\/[^"]+)"\s*\)/g)].map((m) => m[1]);
  const dir = file.includes("/") ? file.slice(0, file.lastIndexOf("/") + 1) : "";
  return [...found, ...dynamic].map((spec) => new URL(spec, `file:///${dir}`).pathname.slice(1));
}

Deno.test("lib/ is one folder per component, each face a mod.ts", async (t) => {
  await t.step("lib's root holds at most 6 files", () => {
    const files = [...Deno.readDirSync(`${ROOT}lib`)].filter((e) => e.isFile).map((e) => e.name);
    assert.ok(files.length <= 6, `lib/ root files: ${files}`);
  });
  await t.step("every folder with more than 3 modules has mod.ts", () => {
    for (const folder of folders()) {
      const own = modules(folder);
      if (own.length > 3) assert.ok(own.includes(`lib/${folder}/mod.ts`), `lib/${folder}`);
    }
  });
  await t.step("entry scripts and other components import a component only through mod.ts", () => {
    const importers = [...ENTRIES, ...folders().flatMap(modules)];
    const reaching: string[] = [];
    for (const file of importers) {
      const home = file.startsWith("lib/") ? file.split("/")[1] : undefined;
      for (const target of relativeImports(file)) {
        const m = /^lib\/([^/]+)\/([^/]+)$/.exec(target);
        if (!m || m[1] === home || m[2] === "mod.ts" || m[1] === "testing") continue;
        reaching.push(`${file} -> ${target}`);
      }
    }
    assert.deepEqual(reaching, []);
  });
});

Deno.test("files and functions stay short", async (t) => {
  const files = [...ENTRIES, ...folders().flatMap(sources)];
  await t.step("no lib file over 400 lines", () => {
    const long = files.filter((f) => f.startsWith("lib/"))
      .map((f) => [f, Deno.readTextFileSync(`${ROOT}${f}`).split("\n").length] as const)
      .filter(([, lines]) => lines > 400);
    assert.deepEqual(long, []);
  });
  await t.step("no function over 80 lines in lib/ or the entry scripts", () => {
    const long: string[] = [];
    for (const file of files) {
      const text = Deno.readTextFileSync(`${ROOT}${file}`);
      const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node) => {
        if (ts.isFunctionLike(node) && "body" in node && node.body) {
          const first = sf.getLineAndCharacterOfPosition(node.getStart()).line;
          const last = sf.getLineAndCharacterOfPosition(node.end).line;
          if (last - first + 1 > 80) long.push(`${file}:${first + 1} (${last - first + 1} lines)`);
        }
        ts.forEachChild(node, visit);
      };
      visit(sf);
    }
    assert.deepEqual(long, []);
  });
});

Deno.test("docs/DESIGN.md's layout names every lib folder", () => {
  const design = Deno.readTextFileSync(`${ROOT}docs/DESIGN.md`);
  const layout = design.slice(design.indexOf("## Layout"), design.indexOf("## Conventions"));
  const missing = folders().filter((f) => !layout.includes(`${f}/`));
  assert.deepEqual(missing, []);
});
