/**
 * The hollow replica's parts (`--backend emulated`): a model step that sleeps for a batch service
 * time drawn from a calibration instead of running ResNet18, and a decoder that reads the image
 * header only. Everything else in the replica is real, so many hollow replicas run the real stack
 * at cluster scale on one machine. The CPU a real replica would have spent is counted apart.
 *
 * @module
 */
import { checkImage } from "../image/mod.ts";
import { IMAGE_FLOATS, type InferenceModel } from "../model/mod.ts";
import { type Calibration, createServiceSampler } from "../sim/mod.ts";
import { createRng } from "../shared/mod.ts";
import type { DecodedTensor, ImageDecoder } from "./decode_pool.ts";

/** Options of {@link createEmulatedModel}. */
export interface EmulatedModelOptions {
  /** The service-time model (batch times, threads, CPU per request). */
  calibration: Calibration;
  /** Largest batch the batcher forms. */
  maxBatch: number;
  /** Classes in the output. */
  classes: number;
  /** Seed of the service-time draws. */
  seed: number;
  /** Receives each batch's input buffer once the batch has run (the replica's batch pool). */
  returnInput?: (input: Float32Array) => void;
  /** Waits `ms` (default: a timer). */
  sleep?: (ms: number) => Promise<void>;
}

/** An emulated model: its batches take calibrated time; `cpuSeconds` is the CPU they stand for. */
export interface EmulatedModel extends InferenceModel {
  /** CPU seconds the calibrated batches would have kept busy (threads × service time). */
  readonly cpuSeconds: number;
}

/**
 * Logits that depend only on the images: class `k` of each image scores highest where `k` is its
 * first pixel values' hash, so the same image always gets the same answer.
 */
export function emulatedLogits(input: Float32Array, batch: number, classes: number): Float32Array {
  const out = new Float32Array(batch * classes);
  for (let i = 0; i < batch; i++) {
    const at = i * IMAGE_FLOATS;
    let h = 2166136261;
    for (let j = 0; j < 64; j++) h = Math.imul(h ^ Math.round(input[at + j * 97] * 1000), 16777619);
    const top = (h >>> 0) % classes;
    for (let k = 0; k < classes; k++) out[i * classes + k] = k === top ? 10 : -((k * 7) % 13) / 13;
  }
  return out;
}

/** A model whose batch of `n` sleeps for a service time drawn from `calibration` for size `n`. */
export function createEmulatedModel(o: EmulatedModelOptions): EmulatedModel {
  const draw = createServiceSampler(o.calibration, o.maxBatch, createRng(o.seed));
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let cpuSeconds = 0;
  return {
    backend: "emulated",
    threads: o.calibration.threads,
    inputName: "data",
    outputName: "logits",
    get cpuSeconds() {
      return cpuSeconds;
    },
    async run(input: Float32Array, batchSize: number): Promise<Float32Array> {
      const seconds = draw(Math.min(batchSize, o.maxBatch));
      cpuSeconds += seconds * o.calibration.threads;
      const logits = emulatedLogits(input, batchSize, o.classes);
      await sleep(seconds * 1000);
      o.returnInput?.(input);
      return logits;
    },
    release: () => Promise.resolve(),
  };
}

/**
 * A decoder that checks the image from its header (format, dimensions, decoding work) and writes
 * a tensor without decoding the pixels: a constant per file, from its size, so that the emulated
 * logits differ between images.
 */
export const headerOnlyDecoder: ImageDecoder = (bytes, options) => {
  try {
    const started = performance.now();
    const { header } = checkImage(bytes, options.maxPixels);
    const tensor = options.out ?? new Float32Array(IMAGE_FLOATS);
    tensor.fill(((bytes.length * 2654435761) >>> 0) / 4294967296);
    const decoded: DecodedTensor = {
      tensor,
      width: header.width,
      height: header.height,
      mode: header.mode,
      decodeMs: performance.now() - started,
    };
    return Promise.resolve(decoded);
  } catch (err) {
    return Promise.reject(err);
  }
};
