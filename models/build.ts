/**
 * `deno task model`: writes `models/resnet18.onnx` and its manifest.
 *
 * By default it builds ResNet18 with deterministic weights from `--seed` (see
 * lib/model/resnet_onnx.ts). With `--from PATH|URL --sha256 HEX` it installs a real model instead,
 * refusing it when the checksum differs. The documented real option is the ONNX Model Zoo's
 * ResNet18 v2 (`validated/vision/classification/resnet/model/resnet18-v2-7.onnx` in
 * github.com/onnx/models, sha256 3b4d0480…824b, 46,806,737 bytes).
 *
 * @module
 */
import { parseArgs } from "node:util";
import onnxProto from "onnx-proto";
import { buildResNet18, manifestPath, type ModelManifest, sha256Hex } from "../lib/model/mod.ts";

const HELP = `Usage: deno task model [--seed N] [--out models/resnet18.onnx]
       deno task model --from PATH|URL --sha256 HEX [--out models/resnet18.onnx]

Builds ResNet18 (torchvision topology, deterministic He-normal weights) or installs a real
ONNX model after checking its SHA-256. Writes the model and a manifest next to it (.json).

  --seed N       weight seed for the built model (default 0)
  --from SRC     a local path or an http(s) URL of a real model
  --sha256 HEX   required with --from: the expected SHA-256 of the file
  --out PATH     where to write the model (default models/resnet18.onnx)
  --force        rebuild even if the output already matches
`;

/** Options of {@link run}. */
export interface ModelOptions {
  seed: number;
  out: string;
  from?: string;
  sha256?: string;
  force?: boolean;
}

/** Parses command-line arguments into {@link ModelOptions}; throws a usage error. */
export function parseModelArgs(args: string[]): ModelOptions | "help" {
  const { values } = parseArgs({
    args,
    options: {
      seed: { type: "string", default: "0" },
      out: { type: "string", default: "models/resnet18.onnx" },
      from: { type: "string" },
      sha256: { type: "string" },
      force: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return "help";
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`--seed must be an integer in [0, 2^32): got ${values.seed}`);
  }
  if (values.from && !/^[0-9a-f]{64}$/i.test(values.sha256 ?? "")) {
    throw new Error(`--from needs --sha256 with 64 hex digits: got ${values.sha256 ?? "none"}`);
  }
  return { seed, out: values.out, from: values.from, sha256: values.sha256, force: values.force };
}

async function fetchSource(source: string): Promise<Uint8Array> {
  if (/^https?:\/\//.test(source)) {
    const response = await fetch(source);
    if (!response.ok) throw new Error(`GET ${source} failed: HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  }
  return await Deno.readFile(source);
}

function graphNames(bytes: Uint8Array): { inputs: string[]; outputs: string[] } {
  const model = onnxProto.onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph) throw new Error("not an ONNX model: no graph");
  const initialisers = new Set((graph.initializer ?? []).map((t) => t.name ?? ""));
  const names = (values: { name?: string | null }[] | null | undefined) =>
    (values ?? []).map((v) => v.name ?? "");
  return {
    inputs: names(graph.input).filter((n) => !initialisers.has(n)),
    outputs: names(graph.output),
  };
}

async function existingManifest(path: string): Promise<ModelManifest | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(manifestPath(path))) as ModelManifest;
  } catch {
    return undefined;
  }
}

/** Builds or installs the model; returns the manifest written. */
export async function run(options: ModelOptions): Promise<ModelManifest> {
  const source = options.from ?? `built:resnet18:seed=${options.seed}`;
  const previous = await existingManifest(options.out);
  if (!options.force && previous?.source === source) {
    const onDisk = await Deno.readFile(options.out).catch(() => undefined);
    if (onDisk && await sha256Hex(onDisk) === previous.sha256) return previous;
  }
  const bytes = options.from
    ? await fetchSource(options.from)
    : buildResNet18({ seed: options.seed });
  const sha256 = await sha256Hex(bytes);
  if (options.sha256 && sha256 !== options.sha256.toLowerCase()) {
    throw new Error(
      `checksum mismatch for ${options.from}: expected ${options.sha256}, got ${sha256}`,
    );
  }
  const manifest: ModelManifest = {
    name: "resnet18",
    source,
    sha256,
    bytes: bytes.length,
    synthetic: !options.from,
    ...graphNames(bytes),
    created: new Date().toISOString(),
  };
  const dir = options.out.includes("/") ? options.out.slice(0, options.out.lastIndexOf("/")) : ".";
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeFile(`${options.out}.tmp`, bytes);
  await Deno.rename(`${options.out}.tmp`, options.out);
  await Deno.writeTextFile(manifestPath(options.out), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}

if (import.meta.main) {
  try {
    const options = parseModelArgs(Deno.args);
    if (options === "help") {
      console.log(HELP);
    } else {
      const started = performance.now();
      const m = await run(options);
      const ms = Math.round(performance.now() - started);
      console.log(JSON.stringify({ event: "model_ready", path: options.out, ms, ...m }));
    }
  } catch (err) {
    console.error(`model: ${err instanceof Error ? err.message : err}`);
    Deno.exit(2);
  }
}
