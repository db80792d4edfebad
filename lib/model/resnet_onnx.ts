/**
 * Builds the torchvision ResNet18 topology as an ONNX model with deterministic weights:
 * torchvision's initialisation with BatchNorm folded into the convolutions, as an inference
 * export would, the variates drawn from {@link createRng} in graph order, so one seed gives the
 * same bytes on every machine. The protobuf is encoded by `onnx-proto` (protobufjs code generated
 * from onnx.proto). The topology and the initialisation, layer by layer: lib/model/README.md.
 *
 * @module
 */
import onnxProto from "onnx-proto";
import { createRng, type Rng } from "../shared/mod.ts";

const { onnx } = onnxProto;

/** Name of the model's input tensor: float32 `[N,3,224,224]`. */
export const INPUT_NAME = "data";
/** Name of the model's output tensor: float32 `[N,1000]` logits. */
export const OUTPUT_NAME = "logits";
/** Number of ImageNet classes. */
export const NUM_CLASSES = 1000;

const BN_EPS = 1e-5;
const OPSET = 13;
const IR_VERSION = 8;

interface GraphParts {
  nodes: InstanceType<typeof onnx.NodeProto>[];
  initializers: InstanceType<typeof onnx.TensorProto>[];
  rng: Rng;
}

function tensor(name: string, dims: number[], values: Float32Array) {
  return onnx.TensorProto.create({
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
  });
}

function intsAttr(name: string, ints: number[]) {
  return onnx.AttributeProto.create({ name, ints, type: onnx.AttributeProto.AttributeType.INTS });
}

function intAttr(name: string, i: number) {
  return onnx.AttributeProto.create({ name, i, type: onnx.AttributeProto.AttributeType.INT });
}

/** Adds a convolution with folded fresh BatchNorm; returns its output name. */
function conv(
  g: GraphParts,
  input: string,
  name: string,
  shape: { inC: number; outC: number; k: number; stride: number },
): string {
  const { inC, outC, k, stride } = shape;
  const std = Math.sqrt(2 / (outC * k * k));
  const bnScale = 1 / Math.sqrt(1 + BN_EPS);
  const weights = new Float32Array(outC * inC * k * k);
  for (let i = 0; i < weights.length; i++) weights[i] = g.rng.normal() * std * bnScale;
  const bias = new Float32Array(outC); // β − mean·γ/sqrt(var+ε) = 0 for a fresh BatchNorm
  g.initializers.push(tensor(`${name}.weight`, [outC, inC, k, k], weights));
  g.initializers.push(tensor(`${name}.bias`, [outC], bias));
  const pad = (k - 1) >> 1;
  g.nodes.push(onnx.NodeProto.create({
    name,
    opType: "Conv",
    input: [input, `${name}.weight`, `${name}.bias`],
    output: [name],
    attribute: [
      intsAttr("kernel_shape", [k, k]),
      intsAttr("strides", [stride, stride]),
      intsAttr("pads", [pad, pad, pad, pad]),
    ],
  }));
  return name;
}

function op(g: GraphParts, opType: string, inputs: string[], name: string): string {
  g.nodes.push(onnx.NodeProto.create({ name, opType, input: inputs, output: [name] }));
  return name;
}

/** torchvision BasicBlock: conv3x3 → ReLU → conv3x3, plus identity or 1x1 projection, → ReLU. */
function basicBlock(
  g: GraphParts,
  input: string,
  name: string,
  shape: { inC: number; outC: number; stride: number },
): string {
  const { inC, outC, stride } = shape;
  const a = conv(g, input, `${name}.conv1`, { inC, outC, k: 3, stride });
  const r = op(g, "Relu", [a], `${name}.relu1`);
  const b = conv(g, r, `${name}.conv2`, { inC: outC, outC, k: 3, stride: 1 });
  const shortcut = stride !== 1 || inC !== outC
    ? conv(g, input, `${name}.downsample`, { inC, outC, k: 1, stride })
    : input;
  const sum = op(g, "Add", [b, shortcut], `${name}.add`);
  return op(g, "Relu", [sum], `${name}.relu2`);
}

function classifier(g: GraphParts, input: string): string {
  const bound = 1 / Math.sqrt(512);
  const weights = new Float32Array(NUM_CLASSES * 512);
  for (let i = 0; i < weights.length; i++) weights[i] = (g.rng.uniform() * 2 - 1) * bound;
  const bias = new Float32Array(NUM_CLASSES);
  for (let i = 0; i < bias.length; i++) bias[i] = (g.rng.uniform() * 2 - 1) * bound;
  g.initializers.push(tensor("fc.weight", [NUM_CLASSES, 512], weights));
  g.initializers.push(tensor("fc.bias", [NUM_CLASSES], bias));
  g.nodes.push(onnx.NodeProto.create({
    name: "fc",
    opType: "Gemm",
    input: [input, "fc.weight", "fc.bias"],
    output: [OUTPUT_NAME],
    attribute: [intAttr("transB", 1)],
  }));
  return OUTPUT_NAME;
}

function valueInfo(name: string, dims: (number | string)[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: {
          dim: dims.map((d) => typeof d === "string" ? { dimParam: d } : { dimValue: d }),
        },
      },
    },
  });
}

/**
 * Builds ResNet18 with weights from `seed` and returns the encoded ONNX model bytes.
 *
 * @example
 * ```ts
 * const bytes = buildResNet18({ seed: 0 });
 * await Deno.writeFile("models/resnet18.onnx", bytes);
 * ```
 */
export function buildResNet18(options: { seed: number }): Uint8Array {
  const g: GraphParts = { nodes: [], initializers: [], rng: createRng(options.seed) };
  let x = conv(g, INPUT_NAME, "conv1", { inC: 3, outC: 64, k: 7, stride: 2 });
  x = op(g, "Relu", [x], "relu");
  g.nodes.push(onnx.NodeProto.create({
    name: "maxpool",
    opType: "MaxPool",
    input: [x],
    output: ["maxpool"],
    attribute: [
      intsAttr("kernel_shape", [3, 3]),
      intsAttr("strides", [2, 2]),
      intsAttr("pads", [1, 1, 1, 1]),
    ],
  }));
  x = "maxpool";
  let inC = 64;
  [64, 128, 256, 512].forEach((outC, stage) => {
    const stride = stage === 0 ? 1 : 2;
    x = basicBlock(g, x, `layer${stage + 1}.0`, { inC, outC, stride });
    x = basicBlock(g, x, `layer${stage + 1}.1`, { inC: outC, outC, stride: 1 });
    inC = outC;
  });
  x = op(g, "GlobalAveragePool", [x], "avgpool");
  x = op(g, "Flatten", [x], "flatten");
  classifier(g, x);

  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: "resnet-hpa-cpa",
    producerVersion: "1",
    docString:
      `torchvision ResNet18 topology, deterministic He-normal weights, seed ${options.seed}`,
    opsetImport: [{ domain: "", version: OPSET }],
    graph: {
      name: "resnet18",
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo(INPUT_NAME, ["N", 3, 224, 224])],
      output: [valueInfo(OUTPUT_NAME, ["N", NUM_CLASSES])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
