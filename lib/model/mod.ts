/**
 * ResNet18 on onnxruntime (WebAssembly or native) behind one interface, in a worker so the HTTP
 * thread never computes; the model's manifest and checksum; the deterministic ResNet18 builder;
 * softmax and top-k.
 *
 * @example
 * ```ts
 * import { loadWorkerModel, IMAGE_FLOATS } from "./lib/model/mod.ts";
 * const model = await loadWorkerModel(await Deno.readFile("models/resnet18.onnx"), { backend: "native", threads: 1 });
 * const logits = await model.run(new Float32Array(IMAGE_FLOATS), 1);
 * ```
 *
 * @module
 */
export { type BackendKind, IMAGE_FLOATS, type InferenceModel, loadModel } from "./inference.ts";
export { manifestPath, type ModelManifest, readManifest, sha256Hex } from "./manifest.ts";
export { buildResNet18 } from "./resnet_onnx.ts";
export { rows, topK } from "./topk.ts";
export { loadWorkerModel } from "./worker_client.ts";
