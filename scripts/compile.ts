/**
 * `deno task compile`: one `deno compile` binary per entry script, with the permission flags,
 * embedded modules and runtime assets each needs. {@link ENTRIES} is the one list: this script,
 * the Dockerfile (through this script) and tests/compile_entries_test.ts all read it.
 *
 * `deno task compile [--out dist] [--target TRIPLE] [NAME...]` writes `dist/bin/NAME` per entry
 * and copies the {@link ASSETS} (the model, its manifest, the labels) to `dist/models/`; a binary
 * run from `dist/` (the image's `/app`) finds them at their default paths. The model must exist:
 * run `deno task model` first (the Dockerfile does, at image build time).
 *
 * What goes into a binary: the entry's module graph, `include` (the model worker, started by URL,
 * which `deno compile` cannot see), and the npm packages the graph reaches (plus `npm`: packages
 * read at run time through `import.meta.resolve`, such as the JPEG decoder's wasm). Every other
 * package in node_modules is excluded, as are onnxruntime-web's unused builds and
 * onnxruntime-node's binaries for other platforms ({@link trimRules}).
 *
 * `deno compile` downloads its `denort` base binary from Deno's servers unless `DENORT_BIN`
 * names one; machines without that network cannot produce a runnable binary (see README).
 *
 * @module
 */
import { parseArgs } from "node:util";

/** One compiled entry script. */
export interface Entry {
  /** Binary name (`dist/bin/NAME`). */
  name: string;
  /** Entry script, relative to the repository root. */
  script: string;
  /** Permission flags, exactly as compiled into the binary (and as the test runs the script). */
  permissions: string[];
  /** Modules started by URL (workers, computed dynamic imports) that must be embedded. */
  include: string[];
  /** npm packages read at run time without an import (`import.meta.resolve` of a file). */
  npm: string[];
  /** Arguments that print the usage and exit 0. */
  help: string[];
  /**
   * How the entry serves, if it does: arguments for a loopback test run, the default port, and
   * the path that answers 200 once it can take traffic.
   */
  serve?: { args: string[]; port: number; probe: string };
  /** Skipped (with a note) while the script does not exist yet. */
  optional?: boolean;
}

/** Files a replica reads at run time, shipped beside the binaries (paths from the repo root). */
export const ASSETS: readonly string[] = [
  "models/resnet18.onnx",
  "models/resnet18.json",
  "models/labels.txt",
];

/** Every entry script, in build order. */
export const ENTRIES: readonly Entry[] = [
  {
    name: "replica",
    script: "replica.ts",
    permissions: ["--allow-net", "--allow-read", "--allow-env", "--allow-ffi", "--allow-sys"],
    include: ["lib/model/worker_main.ts", "lib/replica/decode_worker.ts"],
    npm: ["@cwasm/jpeg-turbo"],
    help: ["--help"],
    serve: {
      args: ["--backend", "wasm", "--threads", "1", "--max-batch", "2"],
      port: 6000,
      probe: "/readyz",
    },
  },
  {
    name: "dispatcher",
    script: "dispatcher.ts",
    // --allow-read and --allow-env: the kubernetes discovery reads the service-account token and
    // CA (or $KUBECONFIG) and the in-cluster API address.
    permissions: ["--allow-net", "--allow-env", "--allow-read"],
    include: [],
    npm: [],
    help: ["--help"],
    serve: { args: [], port: 5052, probe: "/readyz" },
  },
  {
    name: "autoscaler",
    script: "autoscaler.ts",
    // --allow-run: the local actuator starts replica processes; --allow-write: decision log and
    // evaluate --state-file.
    permissions: [
      "--allow-net",
      "--allow-env",
      "--allow-read",
      "--allow-write",
      "--allow-sys",
      "--allow-run",
    ],
    include: [],
    npm: [],
    help: ["run", "--help"],
    serve: {
      args: ["run", "--actuator", "dry-run", "--interval", "1"],
      port: 5000,
      probe: "/healthz",
    },
  },
  {
    name: "loadtest",
    script: "loadtest.ts",
    permissions: ["--allow-net", "--allow-read", "--allow-write", "--allow-env"],
    include: [],
    npm: [],
    help: ["--help"],
  },
  {
    name: "compare",
    script: "compare.ts",
    permissions: [
      "--allow-net",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-run",
      "--allow-sys",
    ],
    include: [],
    npm: [],
    help: ["--help"],
    optional: true,
  },
];

/** The repository root (this file is in `scripts/`). */
export const ROOT: string = new URL("../", import.meta.url).pathname;

/** Whether the entry's script exists (optional entries may not, yet). */
export function entryExists(entry: Entry, root: string = ROOT): boolean {
  try {
    return Deno.statSync(`${root}${entry.script}`).isFile;
  } catch {
    return false;
  }
}

/** Files inside one npm package that no entry needs (paths relative to the package). */
export interface TrimRule {
  /** Package name. */
  name: string;
  /** Keeps a file (relative path) when true; everything else in the package is excluded. */
  keep(relative: string): boolean;
}

/**
 * Per-package trimming: onnxruntime-web keeps its Deno entry (`dist/ort.node.min.mjs`, which
 * Deno resolves through the `node` condition) and the plain SIMD+threads wasm build it loads;
 * onnxruntime-node keeps the native binding for `target` only; bintrees drops its test data
 * (a 100k-line file that overflows `deno compile`'s stack in 2.9.6).
 */
export function trimRules(target: string): TrimRule[] {
  const arch = target.startsWith("aarch64") ? "arm64" : "x64";
  const os = target.includes("apple") ? "darwin" : target.includes("windows") ? "win32" : "linux";
  return [
    {
      name: "onnxruntime-web",
      keep: (p) =>
        [
          "package.json",
          "dist/ort.node.min.mjs",
          "dist/ort-wasm-simd-threaded.mjs",
          "dist/ort-wasm-simd-threaded.wasm",
        ].includes(p),
    },
    {
      name: "onnxruntime-node",
      keep: (p) =>
        p === "package.json" || (p.startsWith("dist/") && p.endsWith(".js")) ||
        p.startsWith(`bin/napi-v6/${os}/${arch}/`),
    },
    { name: "bintrees", keep: (p) => !p.startsWith("test/") },
  ];
}

/** The host's target triple, as `deno compile --target` spells it. */
export function hostTarget(): string {
  return Deno.build.target;
}

interface DenoInfo {
  modules: { kind?: string; specifier: string; npmPackage?: string }[];
  npmPackages: Record<string, { name: string; dependencies: string[]; localPath?: string }>;
}

async function denoInfo(module: string, root: string): Promise<DenoInfo> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", module],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`deno info ${module} failed: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** What one entry's binary embeds, from `deno info` over its script and includes. */
export interface EntryGraph {
  /** Local modules (absolute paths) of the script and its includes. */
  localModules: string[];
  /** npm package ids (`name@version`) reached, with their dependencies. */
  packages: string[];
  /** Directories (absolute) of those packages in node_modules. */
  packageDirs: Record<string, string>;
}

/** The module graph of an entry: local files and the npm packages reached. */
export async function entryGraph(entry: Entry, root: string = ROOT): Promise<EntryGraph> {
  const local = new Set<string>();
  const ids = new Set<string>();
  let all: DenoInfo["npmPackages"] = {};
  for (const module of [entry.script, ...entry.include]) {
    const info = await denoInfo(module, root);
    all = { ...all, ...info.npmPackages };
    for (const m of info.modules) {
      if (m.kind === "npm" && m.npmPackage) ids.add(m.npmPackage);
      else if (m.specifier.startsWith("file:")) local.add(new URL(m.specifier).pathname);
    }
  }
  for (const name of entry.npm) {
    const id = Object.keys(all).find((k) => all[k].name === name);
    if (!id) throw new Error(`${entry.name}: npm package ${name} is not in the lockfile`);
    ids.add(id);
  }
  const queue = [...ids];
  while (queue.length > 0) {
    const id = queue.pop()!;
    for (const dep of all[id]?.dependencies ?? []) {
      if (!ids.has(dep)) {
        ids.add(dep);
        queue.push(dep);
      }
    }
  }
  const packageDirs: Record<string, string> = {};
  for (const id of ids) {
    const path = all[id]?.localPath;
    if (path) packageDirs[id] = path;
  }
  return { localModules: [...local].sort(), packages: [...ids].sort(), packageDirs };
}

/**
 * Paths under `dir` (relative to it, joined to `prefix`) that `keep` rejects, as few as
 * possible: a directory with nothing kept is one path, otherwise its dropped files one by one.
 */
function droppedPaths(dir: string, keep: (relative: string) => boolean, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const rel = prefix + e.name;
    if (!e.isDirectory) {
      if (!keep(rel)) out.push(rel);
      continue;
    }
    const inner = droppedPaths(`${dir}/${e.name}`, keep, `${rel}/`);
    const keptInside = anyKept(`${dir}/${e.name}`, keep, `${rel}/`);
    out.push(...(keptInside ? inner : [rel]));
  }
  return out;
}

function anyKept(dir: string, keep: (relative: string) => boolean, prefix: string): boolean {
  for (const e of Deno.readDirSync(dir)) {
    const rel = prefix + e.name;
    if (e.isDirectory ? anyKept(`${dir}/${e.name}`, keep, `${rel}/`) : keep(rel)) return true;
  }
  return false;
}

/**
 * `--exclude` paths (relative to `root`) for an entry: every package directory under
 * node_modules/.deno the entry does not reach, `@types/*`, and the files {@link trimRules} drop.
 */
export function excludePaths(graph: EntryGraph, target: string, root: string = ROOT): string[] {
  const store = `${root}node_modules/.deno`;
  const keepDirs = new Set(
    Object.values(graph.packageDirs).map((p) => p.slice(store.length + 1).split("/")[0]),
  );
  const out: string[] = [];
  for (const e of Deno.readDirSync(store)) {
    if (!e.isDirectory || e.name === "node_modules") continue;
    if (!keepDirs.has(e.name) || e.name.startsWith("@types+")) {
      out.push(`node_modules/.deno/${e.name}`);
    }
  }
  // The symlinks to unreached packages (top level and hoisted) would pull them back in.
  const reached = new Set(graph.packages.map((id) => id.slice(0, id.lastIndexOf("@"))));
  for (const base of ["node_modules", "node_modules/.deno/node_modules"]) {
    for (const name of packageNames(`${root}${base}`)) {
      if (!reached.has(name) || name.startsWith("@types/")) out.push(`${base}/${name}`);
    }
  }
  for (const rule of trimRules(target)) {
    for (const [id, dir] of Object.entries(graph.packageDirs)) {
      if (!id.startsWith(`${rule.name}@`)) continue;
      const rel = dir.slice(root.length);
      out.push(...droppedPaths(dir, rule.keep).map((p) => `${rel}/${p}`));
    }
  }
  return [...new Set(out)].sort();
}

/** Package names linked in a node_modules directory (`@scope/name` for scoped ones). */
function packageNames(dir: string): string[] {
  const out: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e.name.startsWith(".")) continue;
    if (e.name.startsWith("@")) {
      for (const inner of Deno.readDirSync(`${dir}/${e.name}`)) out.push(`${e.name}/${inner.name}`);
    } else out.push(e.name);
  }
  return out;
}

/** Files of the entry's binary that are read at run time (for a permission-scoped test run). */
export function embeddedPackageFiles(graph: EntryGraph, target: string): string[] {
  const rules = trimRules(target);
  const out: string[] = [];
  for (const [id, dir] of Object.entries(graph.packageDirs)) {
    const rule = rules.find((r) => id.startsWith(`${r.name}@`));
    if (!rule) {
      out.push(dir);
      continue;
    }
    const dropped = new Set(droppedPaths(dir, rule.keep));
    const files: string[] = [];
    const collect = (d: string, prefix: string) => {
      for (const e of Deno.readDirSync(d)) {
        const rel = prefix + e.name;
        if (dropped.has(rel)) continue;
        if (e.isDirectory) collect(`${d}/${e.name}`, `${rel}/`);
        else files.push(`${dir}/${rel}`);
      }
    };
    collect(dir, "");
    out.push(...files);
  }
  return out.sort();
}

/** The `deno compile` arguments of one entry. */
export function compileArgs(
  entry: Entry,
  options: { output: string; target: string; exclude: string[] },
): string[] {
  return [
    "compile",
    "--no-check",
    ...entry.permissions,
    ...entry.include.flatMap((p) => ["--include", p]),
    ...options.exclude.flatMap((p) => ["--exclude", p]),
    "--target",
    options.target,
    "--output",
    options.output,
    entry.script,
  ];
}

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: "string", default: "dist" },
      target: { type: "string", default: hostTarget() },
      "no-assets": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(
      "Usage: deno task compile [--out dist] [--target TRIPLE] [--no-assets] [NAME...]\n\n" +
        `Compiles ${ENTRIES.map((e) => e.name).join(", ")} to OUT/bin/NAME and copies\n` +
        `${ASSETS.join(", ")} to OUT/models/. Needs network access to Deno's servers for the\n` +
        "denort base binary, or DENORT_BIN naming one.",
    );
    return 0;
  }
  const unknown = positionals.filter((n) => !ENTRIES.some((e) => e.name === n));
  if (unknown.length > 0) {
    console.error(
      `compile: unknown entry ${unknown.join(", ")}; entries: ${
        ENTRIES.map((e) => e.name).join(", ")
      }`,
    );
    return 2;
  }
  const chosen = ENTRIES.filter((e) => positionals.length === 0 || positionals.includes(e.name));
  const out = values.out.startsWith("/")
    ? values.out.replace(/\/+$/, "")
    : `${Deno.cwd()}/${values.out.replace(/\/+$/, "")}`;
  await Deno.mkdir(`${out}/bin`, { recursive: true });
  for (const entry of chosen) {
    if (!entryExists(entry)) {
      if (entry.optional) {
        console.error(`compile: skipping ${entry.name}: ${entry.script} does not exist yet`);
        continue;
      }
      console.error(`compile: ${entry.script} is missing`);
      return 1;
    }
    const graph = await entryGraph(entry);
    const exclude = excludePaths(graph, values.target);
    const argv = compileArgs(entry, {
      output: `${out}/bin/${entry.name}`,
      target: values.target,
      exclude,
    });
    console.error(
      `compile: ${entry.name} (${graph.packages.length} npm packages, ${exclude.length} excludes)`,
    );
    const status = await new Deno.Command(Deno.execPath(), {
      args: argv,
      cwd: ROOT,
      stdout: "inherit",
      stderr: "inherit",
    })
      .spawn().status;
    if (!status.success) {
      console.error(`compile: deno compile ${entry.script} failed (exit ${status.code})`);
      return 1;
    }
  }
  if (!values["no-assets"]) {
    await Deno.mkdir(`${out}/models`, { recursive: true });
    for (const asset of ASSETS) {
      try {
        await Deno.copyFile(`${ROOT}${asset}`, `${out}/${asset}`);
      } catch (err) {
        console.error(
          `compile: cannot copy ${asset} (run deno task model first): ${(err as Error).message}`,
        );
        return 1;
      }
    }
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
