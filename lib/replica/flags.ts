/**
 * The replica's flags (env prefix `REPLICA_`) and their parsed type.
 *
 * @module
 */
import { bodyFlags } from "../http/mod.ts";
import type { Flags } from "../shared/mod.ts";

/** The replica's flags (env prefix `REPLICA_`). */
export const REPLICA_FLAGS = {
  host: { type: "string", default: "0.0.0.0", help: "address to listen on" },
  port: {
    type: "number",
    default: 6000,
    min: 0,
    max: 65535,
    integer: true,
    help: "port (0 = any free port)",
  },
  backend: {
    type: "string",
    default: "wasm",
    choices: ["wasm", "native", "emulated"],
    help:
      "onnxruntime build, or emulated: a hollow replica whose batches sleep for calibrated times",
  },
  calibration: {
    type: "string",
    default: "",
    help:
      "emulated: calibration JSON (compare calibrate); default the built-in cluster calibration",
  },
  threads: {
    type: "number",
    default: 2,
    min: 1,
    max: 64,
    integer: true,
    help: "inference threads",
  },
  model: { type: "string", default: "models/resnet18.onnx", help: "ONNX model file" },
  labels: { type: "string", default: "models/labels.txt", help: "class labels, one per line" },
  "max-batch": {
    type: "number",
    default: 8,
    min: 1,
    max: 256,
    integer: true,
    help: "largest batch",
  },
  "batch-delay-ms": {
    type: "number",
    default: 2,
    min: 0,
    max: 10_000,
    help: "longest wait for a batch to fill",
  },
  queue: {
    type: "number",
    default: 64,
    min: 0,
    max: 1_000_000,
    integer: true,
    help: "requests waiting before 503",
  },
  ...bodyFlags(64, "503"),

  "max-pixels": {
    type: "number",
    default: 40_000_000,
    min: 1,
    max: 1e9,
    integer: true,
    help: "largest image",
  },
  "max-topk": {
    type: "number",
    default: 20,
    min: 1,
    max: 1000,
    integer: true,
    help: "largest topk",
  },
  "decode-workers": {
    type: "number",
    default: 1,
    min: 0,
    max: 64,
    integer: true,
    help: "image decoding workers (0 = decode on the HTTP thread)",
  },
  "grace-s": { type: "number", default: 30, min: 0, max: 3600, help: "drain time on SIGTERM" },
  name: { type: "string", default: "", help: "instance name for x-replica (default host:port)" },
} as const;

/** Parsed replica options. */
export type ReplicaOptions = Flags<typeof REPLICA_FLAGS>;

/** Usage line of `--help`. */
export const REPLICA_USAGE =
  "Usage: deno task replica [options]\n\nServes ResNet18 over HTTP with dynamic batching.";
