/**
 * TODO model
 *
 * @module
 */
export { type BackendKind, IMAGE_FLOATS, type InferenceModel, loadModel } from "./inference.ts";
export { manifestPath, type ModelManifest, readManifest, sha256Hex } from "./manifest.ts";
export { buildResNet18 } from "./resnet_onnx.ts";
export { rows, topK } from "./topk.ts";
export { loadWorkerModel } from "./worker_client.ts";
