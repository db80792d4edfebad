import assert from "node:assert/strict";
import { mediaType, readPredictUpload } from "./body.ts";

/** A multipart body with an `image` file part, framed by `boundary` exactly as given. */
function multipartBody(boundary: string, image: Uint8Array): Uint8Array {
  const head =
    `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="x.png"\r\n` +
    `Content-Type: image/png\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  const enc = new TextEncoder();
  return new Uint8Array([...enc.encode(head), ...image, ...enc.encode(tail)]);
}

function upload(contentType: string, body: Uint8Array): Request {
  return new Request("http://x/predict", {
    method: "POST",
    headers: { "content-type": contentType },
    body: body as Uint8Array<ArrayBuffer>,
  });
}

Deno.test("readPredictUpload keeps a mixed-case multipart boundary (browsers send them)", async () => {
  const image = new Uint8Array([137, 80, 78, 71, 1, 2, 3]);
  const boundary = "----WebKitFormBoundaryAbCdEfGh12345678";
  const got = await readPredictUpload(
    upload(`multipart/form-data; boundary=${boundary}`, multipartBody(boundary, image)),
    1 << 20,
  );
  assert.deepEqual(got.bytes, image);
});

Deno.test("readPredictUpload matches the media type case-insensitively", async () => {
  const image = new Uint8Array([1, 2, 3]);
  const boundary = "XyZ";
  const multi = await readPredictUpload(
    upload(`Multipart/Form-Data; boundary=${boundary}`, multipartBody(boundary, image)),
    1 << 20,
  );
  assert.deepEqual(multi.bytes, image);
  const raw = await readPredictUpload(upload("Image/PNG", image), 1 << 20);
  assert.deepEqual(raw.bytes, image);
});

Deno.test("mediaType lower-cases the type and drops its parameters", () => {
  assert.equal(mediaType("Multipart/Form-Data; boundary=AbC"), "multipart/form-data");
  assert.equal(mediaType(" image/JPEG "), "image/jpeg");
  assert.equal(mediaType(""), "");
});
