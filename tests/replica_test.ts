/**
 * The replica as a real process on a loopback port, spoken to over real HTTP.
 */
import assert from "node:assert/strict";
import { scanBomb } from "../lib/testing/scan_bomb.ts";
import { type Started, startScript } from "./support/process.ts";

const IMAGES = "testdata/images";
const BAD = "testdata/bad_inputs";

function multipart(bytes: Uint8Array, name = "image.jpg", field = "image"): FormData {
  const form = new FormData();
  form.append(field, new Blob([bytes as Uint8Array<ArrayBuffer>]), name);
  return form;
}

async function post(url: string, body: BodyInit, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: "POST", body, headers });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** Expected status and error code per bad input, from shared/DESIGN.md's contract. */
const BAD_INPUTS: Record<string, [number, string]> = {
  "bad_crc.png": [422, "undecodable"],
  "bomb_100000x100000.png": [422, "too_large"],
  "empty.jpg": [400, "missing_image"],
  "html.png": [415, "unsupported_format"],
  "huge_dims_65000.jpg": [422, "too_large"],
  "random_bytes.bin": [415, "unsupported_format"],
  "text_as_image.jpg": [415, "unsupported_format"],
  "tiny.bmp": [415, "unsupported_format"],
  "tiny.gif": [415, "unsupported_format"],
  "truncated_half.jpg": [422, "undecodable"],
  "truncated_header.jpg": [422, "undecodable"],
  "zero_width.png": [422, "undecodable"],
};

Deno.test("replica over HTTP", async (t) => {
  const replica: Started = await startScript("replica.ts", [
    "--host=127.0.0.1",
    "--port=0",
    "--backend=native",
    "--threads=1",
    "--max-batch=4",
    "--batch-delay-ms=20",
    "--queue=64",
    "--max-body-mb=1",
    "--name=r-test",
  ]);
  const url = replica.url;
  const cat = await Deno.readFile(`${IMAGES}/chelsea.png`);
  const jpeg = await Deno.readFile(`${IMAGES}/synthetic_640x480_q90.jpg`);
  let reference: { class_index: number; confidence: number } | undefined;

  await t.step("health, readiness and metrics", async () => {
    assert.equal((await fetch(`${url}/healthz`).then((r) => r.json())).alive, true);
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
    const metrics = await fetch(`${url}/metrics`).then((r) => r.text());
    for (
      const name of [
        "inference_in_progress",
        "inference_latency_seconds_bucket",
        "process_cpu_seconds_total",
      ]
    ) {
      assert.ok(metrics.includes(name), `metrics has ${name}`);
    }
  });

  await t.step("/predict with the seed's multipart field", async () => {
    const r = await post(`${url}/predict?topk=3`, multipart(cat, "chelsea.png"));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get("x-replica"), "r-test");
    assert.equal(r.json.success, true);
    const { prediction, top, model, timing_ms } = r.json;
    assert.equal(top.length, 3);
    assert.deepEqual(prediction, top[0]);
    assert.ok(Number.isInteger(prediction.class_index) && prediction.class_index < 1000);
    assert.equal(typeof prediction.label, "string");
    assert.ok(top[0].confidence >= top[1].confidence && top[1].confidence >= top[2].confidence);
    assert.equal(model.synthetic, true);
    assert.match(model.sha256, /^[0-9a-f]{64}$/);
    for (const k of ["queue", "decode", "inference", "total"]) {
      assert.equal(typeof timing_ms[k], "number");
    }
    reference = prediction;
  });

  await t.step("/predict with a raw body gives the same answer", async () => {
    const r = await post(`${url}/predict`, cat as Uint8Array<ArrayBuffer>, {
      "content-type": "image/png",
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.top.length, 5);
    assert.equal(r.json.prediction.class_index, reference!.class_index);
    assert.ok(Math.abs(r.json.prediction.confidence - reference!.confidence) < 1e-6);
  });

  await t.step("concurrent requests are batched (batch size > 1)", async () => {
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => post(`${url}/predict`, multipart(jpeg))),
    );
    assert.ok(answers.every((a) => a.status === 200));
    const sizes = answers.map((a) => a.json.batch_size as number);
    assert.ok(Math.max(...sizes) > 1, `batch sizes ${sizes}`);
    assert.ok(Math.max(...sizes) <= 4, `max-batch 4 respected: ${sizes}`);
    const metrics = await fetch(`${url}/metrics`).then((r) => r.text());
    const le1 = Number(/inference_batch_size_bucket\{le="1"\} (\d+)/.exec(metrics)![1]);
    const count = Number(/inference_batch_size_count (\d+)/.exec(metrics)![1]);
    assert.ok(count > le1, `some batches larger than 1: count ${count}, size-1 ${le1}`);
  });

  await t.step("different images at once each get their own answer (buffers reused)", async () => {
    const names = [...Deno.readDirSync(IMAGES)].map((e) => e.name).sort()
      .filter((n) => Deno.statSync(`${IMAGES}/${n}`).size < 1024 * 1024); // --max-body-mb=1
    const files = names.map((n) => Deno.readFileSync(`${IMAGES}/${n}`));
    const alone: { top: { class_index: number }[]; prediction: { confidence: number } }[] = [];
    for (const file of files) alone.push((await post(`${url}/predict`, multipart(file))).json);
    for (let round = 0; round < 3; round++) {
      const order = files.map((_, i) => (i * 5 + round) % files.length);
      const together = await Promise.all(
        order.map((i) => post(`${url}/predict`, multipart(files[i]))),
      );
      together.forEach((r, k) => {
        const want = alone[order[k]];
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(
          r.json.top.map((p: { class_index: number }) => p.class_index),
          want.top.map((p: { class_index: number }) => p.class_index),
          names[order[k]],
        );
        assert.ok(
          Math.abs(r.json.prediction.confidence - want.prediction.confidence) < 1e-4,
          `${names[order[k]]}: ${r.json.prediction.confidence} vs ${want.prediction.confidence}`,
        );
      });
      assert.ok(together.some((r) => r.json.batch_size > 1), "batched together");
    }
  });

  await t.step("a deadline already past is refused with 504", async () => {
    const r = await post(`${url}/predict`, multipart(jpeg), {
      "x-request-deadline-ms": String(Date.now() - 1000),
    });
    assert.equal(r.status, 504);
    assert.equal(r.json.error.code, "deadline_exceeded");
  });

  await t.step("a deadline that passes while queued is dropped before compute (504)", async () => {
    // Fill the model with a batch, then send one whose deadline ends before that batch can.
    const busy = Array.from({ length: 4 }, () => post(`${url}/predict`, multipart(jpeg)));
    await new Promise((r) => setTimeout(r, 25));
    const late = await post(`${url}/predict`, multipart(jpeg), {
      "x-request-deadline-ms": String(Date.now() + 5),
    });
    assert.equal(late.status, 504, late.text);
    assert.equal(late.json.error.code, "deadline_exceeded");
    assert.ok((await Promise.all(busy)).every((b) => b.status === 200));
  });

  await t.step("every bad input gets its status and a JSON error", async () => {
    for (const [file, [status, code]] of Object.entries(BAD_INPUTS)) {
      const bytes = await Deno.readFile(`${BAD}/${file}`);
      const r = await post(`${url}/predict`, multipart(bytes, file));
      assert.equal(r.status, status, `${file}: ${r.text}`);
      assert.equal(r.json.success, false, file);
      assert.equal(r.json.error.code, code, `${file}: ${r.text}`);
      assert.ok(r.json.error.message.length > 0);
    }
  });

  await t.step("malformed requests: no image field, other media type, bad topk", async () => {
    const noField = await post(`${url}/predict`, multipart(jpeg, "x.jpg", "file"));
    assert.deepEqual([noField.status, noField.json.error.code], [400, "missing_image"]);
    const json = await post(`${url}/predict`, "{}", { "content-type": "application/json" });
    assert.deepEqual([json.status, json.json.error.code], [415, "unsupported_media_type"]);
    const topk = await post(`${url}/predict?topk=99`, multipart(jpeg));
    assert.deepEqual([topk.status, topk.json.error.code], [400, "malformed_request"]);
    for (const loose of ["0x5", "5e0", "%205", "5.0", "+5"]) {
      const r = await post(`${url}/predict?topk=${loose}`, multipart(jpeg));
      assert.deepEqual([r.status, r.json.error.code], [400, "malformed_request"], loose);
    }
    const broken = await post(`${url}/predict`, "--x\r\nnonsense", {
      "content-type": "multipart/form-data; boundary=x",
    });
    assert.equal(broken.status, 400);
  });

  await t.step("a body over --max-body-mb is refused with 413, declared or streamed", async () => {
    const big = new Uint8Array(2 * 1024 * 1024);
    const declared = await post(`${url}/predict`, big, { "content-type": "image/jpeg" });
    assert.deepEqual([declared.status, declared.json.error.code], [413, "body_too_large"]);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 32; i++) controller.enqueue(new Uint8Array(64 * 1024));
        controller.close();
      },
    });
    const streamed = await post(`${url}/predict`, stream, { "content-type": "image/jpeg" });
    assert.equal(streamed.status, 413);
  });

  await t.step("a JPEG too costly to decode is a 422 too_complex, counted by code", async () => {
    const started = performance.now();
    for (const scans of [60, 120]) {
      const r = await post(`${url}/predict`, multipart(scanBomb(6324, 6324, scans)));
      assert.deepEqual([r.status, r.json.error.code], [422, "too_complex"], r.text);
    }
    assert.ok(performance.now() - started < 5000, "refused from the markers, not decoded");
    const metrics = await fetch(`${url}/metrics`).then((r) => r.text());
    assert.match(metrics, /inference_images_refused_total\{code="too_complex"\} 2/);
  });

  await t.step("still serves the same correct answer after the abuse", async () => {
    const r = await post(`${url}/predict`, multipart(cat, "chelsea.png"));
    assert.equal(r.status, 200);
    assert.equal(r.json.prediction.class_index, reference!.class_index);
    const metrics = await fetch(`${url}/metrics`).then((r) => r.text());
    assert.match(metrics, /inference_requests_total\{code="422"\} [1-9]/);
    assert.match(metrics, /inference_requests_total\{code="415"\} [1-9]/);
  });

  await t.step("SIGTERM: readiness 503 at once, in-flight requests finish, exit 0", async () => {
    const inflight = Array.from({ length: 6 }, () => post(`${url}/predict`, multipart(jpeg)));
    await new Promise((r) => setTimeout(r, 30));
    replica.child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 30));
    const ready = await fetch(`${url}/readyz`);
    assert.equal(ready.status, 503);
    await ready.body?.cancel();
    const refused = await post(`${url}/predict`, multipart(jpeg));
    assert.deepEqual([refused.status, refused.json.error.code], [503, "draining"]);
    const done = await Promise.all(inflight);
    assert.deepEqual(done.map((d) => d.status), done.map(() => 200));
    const status = await replica.stop();
    assert.equal(status.code, 0);
    assert.ok(replica.logs.some((l) => l.event === "stopped" && l.outcome === "drained"));
  });
});
