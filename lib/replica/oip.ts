/**
 * The Open Inference Protocol (KServe v2) request and response bodies for the image tensor model,
 * JSON and the binary tensor data extension (`Inference-Header-Content-Length`), as Triton and
 * KServe clients send them.
 *
 * @module
 */
import { HttpError } from "../http/mod.ts";
import { IMAGE_FLOATS } from "../model/mod.ts";

/** Model metadata names the protocol exposes. */
export interface OipModel {
  /** Model name in the URL, `resnet18`. */
  name: string;
  /** The session's input tensor name. */
  inputName: string;
  /** The session's output tensor name. */
  outputName: string;
  /** Number of classes in the output. */
  classes: number;
}

/** A parsed infer request: images laid end to end. */
export interface InferRequest {
  /** The client's request id, echoed back. */
  id?: string;
  /** Images in the batch. */
  batch: number;
  /** `batch × 3 × 224 × 224` floats. */
  data: Float32Array;
  /** Whether the client asked for the output as binary data. */
  binaryOutput: boolean;
}

interface TensorJson {
  name?: unknown;
  shape?: unknown;
  datatype?: unknown;
  data?: unknown;
  parameters?: { binary_data_size?: unknown; binary_data?: unknown };
}

/** The metadata document of `GET /v2/models/{name}`. */
export function modelMetadata(model: OipModel, platform: string): Record<string, unknown> {
  return {
    name: model.name,
    versions: ["1"],
    platform,
    inputs: [{ name: model.inputName, datatype: "FP32", shape: [-1, 3, 224, 224] }],
    outputs: [{ name: model.outputName, datatype: "FP32", shape: [-1, model.classes] }],
  };
}

function bad(message: string): HttpError {
  return new HttpError(400, "malformed_request", message);
}

/** Deepest nesting of a tensor's JSON data: `[N][3][224][224]` is 4 levels. */
const MAX_DATA_DEPTH = 8;

function notNumber(value: unknown): HttpError {
  const shown = JSON.stringify(value)?.slice(0, 40);
  return bad(`tensor data must hold numbers: got ${shown}`);
}

/**
 * Writes the numbers of nested arrays `data`, in order, into `out`; returns how many there
 * were (counting past `out.length` without writing). Iterative, so any depth is a 400, never a
 * stack overflow; deeper than {@link MAX_DATA_DEPTH} is refused.
 */
export function flattenInto(data: unknown, out: Float32Array): number {
  if (typeof data === "number") {
    if (out.length > 0) out[0] = data;
    return 1;
  }
  if (!Array.isArray(data)) throw notNumber(data);
  const stack: { items: unknown[]; next: number }[] = [{ items: data, next: 0 }];
  let count = 0;
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.next === top.items.length) {
      stack.pop();
      continue;
    }
    const item = top.items[top.next++];
    if (typeof item === "number") {
      if (count < out.length) out[count] = item;
      count++;
    } else if (Array.isArray(item)) {
      if (stack.length >= MAX_DATA_DEPTH) {
        throw bad(`tensor data is nested deeper than ${MAX_DATA_DEPTH} levels`);
      }
      stack.push({ items: item, next: 0 });
    } else throw notNumber(item);
  }
  return count;
}

function parseHeader(
  text: string,
): {
  inputs: TensorJson[];
  outputs?: TensorJson[];
  id?: unknown;
  parameters?: Record<string, unknown>;
} {
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    throw bad(`infer request is not JSON: ${(err as Error).message}`);
  }
  if (
    typeof header !== "object" || header === null ||
    !Array.isArray((header as { inputs?: unknown }).inputs)
  ) {
    throw bad("infer request needs an 'inputs' array");
  }
  return header as { inputs: TensorJson[] };
}

/**
 * Parses an infer request body. `headerLength` is the `Inference-Header-Content-Length` header
 * (binary extension), absent for a pure JSON request.
 */
export function parseInferRequest(
  body: Uint8Array,
  headerLength: string | null,
  model: OipModel,
): InferRequest {
  const jsonEnd = headerLength === null
    ? body.length
    : /^[0-9]{1,10}$/.test(headerLength)
    ? Number(headerLength)
    : NaN;
  if (!Number.isInteger(jsonEnd) || jsonEnd < 0 || jsonEnd > body.length) {
    throw bad(`Inference-Header-Content-Length must be 0..${body.length}: got ${headerLength}`);
  }
  const header = parseHeader(new TextDecoder().decode(body.subarray(0, jsonEnd)));
  if (header.inputs.length !== 1) throw bad(`expected 1 input tensor: got ${header.inputs.length}`);
  const input = header.inputs[0];
  if (input.name !== model.inputName) {
    throw bad(`unknown input '${input.name}': this model's input is '${model.inputName}'`);
  }
  if (input.datatype !== "FP32") throw bad(`input datatype must be FP32: got ${input.datatype}`);
  const shape = input.shape;
  if (
    !Array.isArray(shape) || shape.length !== 4 || shape[1] !== 3 || shape[2] !== 224 ||
    shape[3] !== 224 || !Number.isInteger(shape[0]) || shape[0] < 1
  ) {
    throw bad(`input shape must be [N,3,224,224] with N >= 1: got ${JSON.stringify(shape)}`);
  }
  const batch = shape[0] as number;
  const expected = batch * IMAGE_FLOATS;
  let data: Float32Array;
  const binarySize = input.parameters?.binary_data_size;
  if (binarySize !== undefined) {
    if (binarySize !== expected * 4 || body.length - jsonEnd < expected * 4) {
      throw bad(`binary input must be ${expected * 4} bytes: got ${binarySize}`);
    }
    const bytes = body.slice(jsonEnd, jsonEnd + expected * 4);
    data = new Float32Array(bytes.buffer, 0, expected);
  } else {
    data = new Float32Array(expected);
    const count = flattenInto(input.data, data);
    if (count !== expected) {
      throw bad(
        `input data must hold ${expected} values for shape ${JSON.stringify(shape)}: got ${count}`,
      );
    }
  }
  const wantsBinary = (header.outputs ?? []).some((o) => o.parameters?.binary_data === true) ||
    header.parameters?.binary_data_output === true;
  const id = typeof header.id === "string" ? header.id : undefined;
  return { id, batch, data, binaryOutput: wantsBinary };
}

/** Builds the infer response: JSON, or JSON header plus binary logits when asked. */
export function inferResponse(
  request: InferRequest,
  logits: Float32Array,
  model: OipModel,
): Response {
  const output: Record<string, unknown> = {
    name: model.outputName,
    datatype: "FP32",
    shape: [request.batch, model.classes],
  };
  const head = {
    model_name: model.name,
    model_version: "1",
    ...(request.id ? { id: request.id } : {}),
  };
  if (!request.binaryOutput) {
    output.data = Array.from(logits);
    return Response.json({ ...head, outputs: [output] });
  }
  output.parameters = { binary_data_size: logits.byteLength };
  const json = new TextEncoder().encode(JSON.stringify({ ...head, outputs: [output] }));
  const body = new Uint8Array(json.length + logits.byteLength);
  body.set(json, 0);
  body.set(new Uint8Array(logits.buffer, logits.byteOffset, logits.byteLength), json.length);
  return new Response(body, {
    headers: {
      "content-type": "application/octet-stream",
      "inference-header-content-length": String(json.length),
    },
  });
}
