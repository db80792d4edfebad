/**
 * ResNet18 inference on onnxruntime behind one interface, with two backends: `wasm`
 * (onnxruntime-web: WebAssembly, SIMD128, threads through workers; portable, and the thread count
 * is process-wide in onnxruntime-web, so the first wasm session fixes it) and `native`
 * (onnxruntime-node: the CPU execution provider as a native addon; needs `--allow-ffi`). Input
 * and output names are read from the session, never assumed, so a real model file (such as the
 * ONNX Model Zoo's resnet18-v2-7, whose output is `resnetv22_dense0_fwd`) works unchanged.
 *
 * @module
 */

/** Which onnxruntime build runs the model. */
export type BackendKind = "wasm" | "native" | "emulated";

/** Options for {@link loadModel}. */
export interface LoadOptions {
  /** Backend to run on. */
  backend: BackendKind;
  /** Intra-op threads (wasm: worker threads, process-wide; native: intra-op pool size). */
  threads: number;
  /**
   * Directory (path or file: URL) holding onnxruntime-web's `.wasm`/`.mjs` files; defaults to
   * the `ORT_WASM_DIR` environment variable, then to the installed package's `dist/`.
   */
  wasmDir?: string;
}

/** A loaded model that classifies batches of preprocessed images. */
export interface InferenceModel {
  /** The backend this model runs on. */
  readonly backend: BackendKind;
  /** Threads the backend was configured with. */
  readonly threads: number;
  /** The session's input name (first input). */
  readonly inputName: string;
  /** The session's output name (first output). */
  readonly outputName: string;
  /**
   * Runs `batchSize` CHW images laid end to end in `input` (3·224·224 floats each) and returns
   * the logits, `batchSize × classes` floats.
   */
  run(input: Float32Array, batchSize: number): Promise<Float32Array>;
  /** Frees the session. */
  release(): Promise<void>;
}

/** Floats in one preprocessed image: 3 × 224 × 224. */
export const IMAGE_FLOATS = 3 * 224 * 224;

const THREAD_LIMIT = 64;

/**
 * Session config shared by both backends: the intra-op threads sleep instead of spinning between
 * kernels, so on a small machine they leave the CPU to the HTTP event loop and the decoder.
 */
const SESSION_CONFIG = { session: { intra_op: { allow_spinning: "0" } } };

function checkThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1 || threads > THREAD_LIMIT) {
    throw new RangeError(
      `threads must be an integer between 1 and ${THREAD_LIMIT}: got ${threads}`,
    );
  }
}

function checkBatch(input: Float32Array, batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batch size must be a positive integer: got ${batchSize}`);
  }
  if (input.length < batchSize * IMAGE_FLOATS) {
    throw new RangeError(
      `input holds ${input.length} floats, fewer than ${batchSize} images of ${IMAGE_FLOATS}`,
    );
  }
}

function defaultWasmDir(): string {
  const fromEnv = Deno.env.get("ORT_WASM_DIR");
  if (fromEnv) return fromEnv;
  return new URL("./", import.meta.resolve("onnxruntime-web")).href;
}

function asDirUrl(dir: string): string {
  if (/^[a-z]+:/i.test(dir)) return dir.endsWith("/") ? dir : `${dir}/`;
  const absolute = dir.startsWith("/") ? dir : `${Deno.cwd()}/${dir}`;
  return new URL(absolute.endsWith("/") ? absolute : `${absolute}/`, "file:///").href;
}

async function loadWasm(bytes: Uint8Array, options: LoadOptions): Promise<InferenceModel> {
  const ort = await import("onnxruntime-web");
  const configured = ort.env.wasm.numThreads;
  if (configured !== undefined && configured !== options.threads) {
    throw new Error(
      `onnxruntime-web threads are process-wide: already ${configured}, asked ${options.threads}`,
    );
  }
  ort.env.wasm.numThreads = options.threads;
  ort.env.wasm.wasmPaths = asDirUrl(options.wasmDir ?? defaultWasmDir());
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ["wasm"],
    graphOptimizationLevel: "all",
    extra: SESSION_CONFIG,
  });
  return wrap("wasm", options.threads, session, ort.Tensor);
}

async function loadNative(bytes: Uint8Array, options: LoadOptions): Promise<InferenceModel> {
  const ort = await import("onnxruntime-node");
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: options.threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
    extra: SESSION_CONFIG,
  });
  return wrap("native", options.threads, session, ort.Tensor);
}

/** The part of an onnxruntime session both packages share. */
interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown }>>;
  release(): Promise<void>;
}

type TensorCtor = new (type: "float32", data: Float32Array, dims: number[]) => unknown;

function wrap(
  backend: BackendKind,
  threads: number,
  session: OrtSession,
  Tensor: TensorCtor,
): InferenceModel {
  const inputName = session.inputNames[0];
  const outputName = session.outputNames[0];
  return {
    backend,
    threads,
    inputName,
    outputName,
    async run(input, batchSize) {
      checkBatch(input, batchSize);
      const data = input.length === batchSize * IMAGE_FLOATS
        ? input
        : input.subarray(0, batchSize * IMAGE_FLOATS);
      const feeds = { [inputName]: new Tensor("float32", data, [batchSize, 3, 224, 224]) };
      const out = await session.run(feeds);
      return out[outputName].data as Float32Array;
    },
    release: () => session.release(),
  };
}

/**
 * Loads ONNX model bytes on the chosen backend.
 *
 * @example
 * ```ts
 * const model = await loadModel(await Deno.readFile("models/resnet18.onnx"),
 *   { backend: "native", threads: 2 });
 * const logits = await model.run(new Float32Array(IMAGE_FLOATS), 1);
 * ```
 */
export async function loadModel(
  bytes: Uint8Array,
  options: LoadOptions,
): Promise<InferenceModel> {
  checkThreads(options.threads);
  switch (options.backend) {
    case "wasm":
      return await loadWasm(bytes, options);
    case "native":
      return await loadNative(bytes, options);
    default:
      throw new RangeError(`backend must be wasm or native: got ${options.backend}`);
  }
}
