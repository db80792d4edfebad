/**
 * The hollow replica (`--backend emulated`) as a real process: the seed's and KServe's contracts,
 * the same refusals as a real replica, every metric name of a real one plus the emulated CPU.
 */
import assert from "node:assert/strict";
import { type Started, startScript } from "./support/process.ts";

function names(metrics: string): Set<string> {
  return new Set(
    metrics.split("\n").filter((l) => l.startsWith("# TYPE ")).map((l) => l.split(" ")[2]),
  );
}

async function predict(url: string, file: string) {
  const form = new FormData();
  form.append("image", new Blob([await Deno.readFile(file)]), "x");
  const res = await fetch(`${url}/predict`, { method: "POST", body: form });
  return { status: res.status, json: await res.json() };
}

Deno.test("hollow replica: real contracts, emulated model", async (t) => {
  const started: Started[] = [];
  try {
    const hollow = await startScript("replica.ts", [
      "--host=127.0.0.1",
      "--port=0",
      "--backend=emulated",
      "--name=hollow",
    ]);
    started.push(hollow);
    await t.step("/predict answers deterministically, marked emulated", async () => {
      const a = await predict(hollow.url, "testdata/images/chelsea.png");
      const b = await predict(hollow.url, "testdata/images/chelsea.png");
      assert.equal(a.status, 200, JSON.stringify(a.json));
      assert.equal(a.json.emulated, true);
      assert.equal(a.json.model.emulated, true);
      assert.deepEqual(b.json.prediction, a.json.prediction);
      assert.ok(a.json.timing_ms.inference > 20, "the batch took its calibrated time");
    });
    await t.step("KServe v2 infer returns logits of the declared shape", async () => {
      const body = {
        inputs: [{
          name: "data",
          shape: [2, 3, 224, 224],
          datatype: "FP32",
          data: new Array(2 * 3 * 224 * 224).fill(0.5),
        }],
      };
      const res = await fetch(`${hollow.url}/v2/models/resnet18/infer`, {
        method: "POST",
        body: JSON.stringify(body),
      });
      const json = await res.json();
      assert.equal(res.status, 200, JSON.stringify(json).slice(0, 200));
      assert.deepEqual(json.outputs[0].shape, [2, 1000]);
    });
    await t.step("bad inputs get the real replica's answers", async () => {
      const bomb = await predict(hollow.url, "testdata/bad_inputs/bomb_100000x100000.png");
      assert.deepEqual([bomb.status, bomb.json.error.code], [422, "too_large"]);
      const gif = await predict(hollow.url, "testdata/bad_inputs/tiny.gif");
      assert.deepEqual([gif.status, gif.json.error.code], [415, "unsupported_format"]);
    });
    const real = await startScript("replica.ts", [
      "--host=127.0.0.1",
      "--port=0",
      "--backend=native",
      "--threads=1",
    ]);
    started.push(real);
    await predict(real.url, "testdata/images/chelsea.png");
    await t.step("every metric name of a real replica, and the emulated CPU", async () => {
      const hollowNames = names(await fetch(`${hollow.url}/metrics`).then((r) => r.text()));
      const realNames = names(await fetch(`${real.url}/metrics`).then((r) => r.text()));
      assert.deepEqual([...realNames].filter((n) => !hollowNames.has(n)), []);
      assert.ok(hollowNames.has("replica_emulated_cpu_seconds_total"));
      const text = await fetch(`${hollow.url}/metrics`).then((r) => r.text());
      const cpu = Number(/^replica_emulated_cpu_seconds_total (\S+)/m.exec(text)![1]);
      assert.ok(cpu > 0, `emulated CPU ${cpu}`);
    });
  } finally {
    for (const s of started.reverse()) await s.stop();
  }
});
