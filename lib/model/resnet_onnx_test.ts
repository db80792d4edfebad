import assert from "node:assert/strict";
import onnxProto from "onnx-proto";
import { buildResNet18, INPUT_NAME, NUM_CLASSES, OUTPUT_NAME } from "./resnet_onnx.ts";
import { sha256Hex } from "./manifest.ts";

const { onnx } = onnxProto;

/** SHA-256 of the seed-0 model; the same on every machine, so a change here is a real change. */
const SEED0_SHA256 = "2b78638ef5b30d0a902cabe0b96bb07b43d76529e9d174c0c9d8a4f261f7628e";

/** The fields of the decoded graph this test reads (protobufjs types them all optional). */
interface Node {
  name: string;
  opType: string;
  input: string[];
  attribute: { name: string; ints: number[] }[];
}
interface Tensor {
  name: string;
  dims: number[];
  rawData: Uint8Array;
}
interface ValueInfo {
  name: string;
  type: { tensorType: { shape: { dim: { dimParam?: string; dimValue?: number }[] } } };
}
interface Graph {
  node: Node[];
  initializer: Tensor[];
  input: ValueInfo[];
  output: ValueInfo[];
}

function attr(node: Node, name: string): number[] {
  const a = node.attribute.find((x) => x.name === name);
  return a ? a.ints.map(Number) : [];
}

Deno.test("buildResNet18", async (t) => {
  const bytes = buildResNet18({ seed: 0 });
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph as unknown as Graph;
  const dims = (name: string) => {
    const all = [...graph.input, ...graph.output];
    return all.find((v) => v.name === name)!.type.tensorType.shape.dim.map((d) =>
      d.dimParam || Number(d.dimValue)
    );
  };
  const convs = graph.node.filter((n) => n.opType === "Conv");
  const weight = (name: string) => graph.initializer.find((x) => x.name === `${name}.weight`)!;

  await t.step("seed 0 gives pinned bytes (SHA-256)", async () => {
    assert.equal(await sha256Hex(bytes), SEED0_SHA256);
  });

  await t.step("another seed gives other weights, same size", () => {
    const other = buildResNet18({ seed: 1 });
    assert.equal(other.length, bytes.length);
    assert.notDeepEqual(other.subarray(0, 200_000), bytes.subarray(0, 200_000));
  });

  await t.step("input data [N,3,224,224], output logits [N,1000], dynamic batch", () => {
    assert.deepEqual(dims(INPUT_NAME), ["N", 3, 224, 224]);
    assert.deepEqual(dims(OUTPUT_NAME), ["N", NUM_CLASSES]);
  });

  await t.step("torchvision topology: 20 convs, stem 7x7/2, 3 projections 1x1/2", () => {
    assert.equal(convs.length, 20); // 1 stem + 16 in blocks + 3 downsample
    assert.deepEqual(attr(convs[0], "kernel_shape"), [7, 7]);
    assert.deepEqual(attr(convs[0], "strides"), [2, 2]);
    const projections = convs.filter((n) => n.name.endsWith("downsample"));
    assert.deepEqual(projections.map((n) => n.name), [
      "layer2.0.downsample",
      "layer3.0.downsample",
      "layer4.0.downsample",
    ]);
    for (const p of projections) {
      assert.deepEqual(attr(p, "kernel_shape"), [1, 1]);
      assert.deepEqual(attr(p, "strides"), [2, 2]);
    }
    const pool = graph.node.find((n) => n.opType === "MaxPool")!;
    assert.deepEqual(attr(pool, "kernel_shape"), [3, 3]);
    assert.deepEqual(attr(pool, "strides"), [2, 2]);
    assert.equal(graph.node.filter((n) => n.opType === "Add").length, 8);
    assert.ok(graph.node.some((n) => n.opType === "GlobalAveragePool"));
    assert.deepEqual(weight("fc").dims.map(Number), [1000, 512]);
    const channels = ["layer1.1.conv2", "layer2.1.conv2", "layer3.1.conv2", "layer4.1.conv2"]
      .map((n) => Number(weight(n).dims[0]));
    assert.deepEqual(channels, [64, 128, 256, 512]);
  });

  await t.step("11.7M parameters, every conv with a folded-BN bias", () => {
    const params = graph.initializer.reduce(
      (s, x) => s + x.dims.reduce((p, d) => p * Number(d), 1),
      0,
    );
    // torchvision resnet18 has 11,689,512 parameters; folding BN leaves one bias per channel.
    assert.equal(params, 11_689_512 - 2 * 4800 + 4800);
    for (const c of convs) assert.equal(c.input.length, 3, `${c.name} has a bias`);
  });

  await t.step("He-normal (fan_out) weight scale in the stem", () => {
    const raw = weight("conv1").rawData;
    const w = new Float32Array(Uint8Array.from(raw).buffer);
    const variance = w.reduce((s, v) => s + v * v, 0) / w.length;
    const expected = 2 / (64 * 7 * 7);
    assert.ok(Math.abs(variance / expected - 1) < 0.05, `variance ${variance} vs ${expected}`);
  });
});
