/**
 * The model manifest: a JSON file next to the model recording what it is and where it came from.
 *
 * @module
 */

/** What the replica reports as its model identity. */
export interface ModelManifest {
  /** Model name, `resnet18`. */
  name: string;
  /** Where the bytes came from: `built:seed=0`, a path, or a URL. */
  source: string;
  /** SHA-256 of the model file, lowercase hex. */
  sha256: string;
  /** File size in bytes. */
  bytes: number;
  /** True for the deterministic built model (random weights, meaningless labels). */
  synthetic: boolean;
  /** Graph input and output names as declared in the file. */
  inputs: string[];
  /** Graph output names. */
  outputs: string[];
  /** When the manifest was written (ISO 8601). */
  created: string;
}

/** Path of the manifest that belongs to a model file: `x.onnx` → `x.json`. */
export function manifestPath(modelPath: string): string {
  return modelPath.replace(/\.onnx$/, "") + ".json";
}

/** Lowercase hex SHA-256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Reads the manifest next to `modelPath`; without one, describes the file from its bytes
 * (`synthetic` then false, since nothing says the weights were built).
 */
export async function readManifest(modelPath: string, bytes: Uint8Array): Promise<ModelManifest> {
  try {
    const text = await Deno.readTextFile(manifestPath(modelPath));
    return JSON.parse(text) as ModelManifest;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    return {
      name: "resnet18",
      source: modelPath,
      sha256: await sha256Hex(bytes),
      bytes: bytes.length,
      synthetic: false,
      inputs: [],
      outputs: [],
      created: new Date(0).toISOString(),
    };
  }
}
