/**
 * The bad-request corpus: every file of testdata/bad_inputs sent raw and as multipart, malformed
 * multipart bodies, wrong media types, bad `topk` and deadline values, malformed Open Inference
 * Protocol bodies, an over-limit body and wrong routes. Each must get a 4xx JSON error.
 *
 * @module
 */

/** One bad request. */
export interface BadRequest {
  /** Name in findings. */
  name: string;
  /** Path and query. */
  path: string;
  /** Method. */
  method: string;
  /** Headers. */
  headers: Record<string, string>;
  /** Body bytes (or null). */
  body: Uint8Array | null;
}

const enc = new TextEncoder();

const TYPES: Record<string, string> = {
  jpg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  bmp: "image/bmp",
  bin: "application/octet-stream",
};

/** A multipart/form-data body with one file field. */
export function multipart(
  field: string,
  filename: string,
  type: string,
  bytes: Uint8Array,
  boundary = "e2eBoundary7MA4YWxk",
): { body: Uint8Array; contentType: string } {
  const head = enc.encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n` +
      `Content-Type: ${type}\r\n\r\n`,
  );
  const tail = enc.encode(`\r\n--${boundary}--\r\n`);
  const body = new Uint8Array(head.length + bytes.length + tail.length);
  body.set(head);
  body.set(bytes, head.length);
  body.set(tail, head.length + bytes.length);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Builds the corpus from `badDir` (testdata/bad_inputs) and one valid image. */
export async function badRequests(badDir: string, validImage: Uint8Array): Promise<BadRequest[]> {
  const out: BadRequest[] = [];
  const files: string[] = [];
  for await (const e of Deno.readDir(badDir)) {
    if (e.isFile && !e.name.endsWith(".md")) files.push(e.name);
  }
  for (const name of files.sort()) {
    const bytes = await Deno.readFile(`${badDir}/${name}`);
    const type = TYPES[name.split(".").pop() ?? ""] ?? "application/octet-stream";
    out.push({
      name: `raw ${name}`,
      path: "/predict",
      method: "POST",
      headers: { "content-type": type },
      body: bytes,
    });
    const form = multipart("image", name, type, bytes);
    out.push({
      name: `multipart ${name}`,
      path: "/predict",
      method: "POST",
      headers: { "content-type": form.contentType },
      body: form.body,
    });
  }
  const good = multipart("image", "ok.png", "image/png", validImage);
  const wrongField = multipart("file", "ok.png", "image/png", validImage);
  const truncated = good.body.subarray(0, Math.floor(good.body.length / 2));
  const add = (name: string, path: string, headers: Record<string, string>, body: unknown) =>
    out.push({
      name,
      path,
      method: "POST",
      headers,
      body: body === null ? null : body instanceof Uint8Array ? body : enc.encode(String(body)),
    });
  const mp = { "content-type": good.contentType };
  add(
    "multipart without an image field",
    "/predict",
    { "content-type": wrongField.contentType },
    wrongField.body,
  );
  add("multipart cut in half", "/predict", mp, truncated);
  add("multipart with another boundary", "/predict", {
    "content-type": "multipart/form-data; boundary=nope",
  }, good.body);
  add(
    "multipart without a boundary",
    "/predict",
    { "content-type": "multipart/form-data" },
    good.body,
  );
  add("multipart garbage", "/predict", mp, "--e2eBoundary7MA4YWxk\r\nnot a part\r\n");
  add("text/plain body", "/predict", { "content-type": "text/plain" }, "hello");
  add("JSON body", "/predict", { "content-type": "application/json" }, '{"image":"x"}');
  add("empty raw body", "/predict", { "content-type": "image/jpeg" }, new Uint8Array(0));
  add("topk not a number", "/predict?topk=abc", mp, good.body);
  add("topk 0", "/predict?topk=0", mp, good.body);
  add("topk over the maximum", "/predict?topk=100000", mp, good.body);
  add("deadline not a number", "/predict", { ...mp, "x-request-deadline-ms": "soon" }, good.body);
  add(
    "over the body limit",
    "/predict",
    { "content-type": "image/jpeg" },
    new Uint8Array(17 << 20),
  );
  const infer = "/v2/models/resnet18/infer";
  const json = { "content-type": "application/json" };
  add("infer: not JSON", infer, json, "{not json");
  add("infer: no inputs", infer, json, "{}");
  add(
    "infer: wrong shape",
    infer,
    json,
    JSON.stringify({
      inputs: [{ name: "input", shape: [1, 3, 2, 2], datatype: "FP32", data: [1, 2, 3] }],
    }),
  );
  add(
    "infer: wrong datatype",
    infer,
    json,
    JSON.stringify({
      inputs: [{ name: "input", shape: [1, 3, 224, 224], datatype: "BYTES", data: ["x"] }],
    }),
  );
  add("infer: binary header length past the body", infer, {
    "content-type": "application/octet-stream",
    "inference-header-content-length": "999999",
  }, "{}");
  add("infer: unknown model", "/v2/models/nope/infer", json, "{}");
  out.push({ name: "GET /predict", path: "/predict", method: "GET", headers: {}, body: null });
  add("unknown route", "/predict/../admin", mp, good.body);
  return out;
}
