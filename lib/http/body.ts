/**
 * Reads a prediction request's image without trusting its size: a declared `Content-Length` over
 * the limit is refused before reading, and a streamed body is cut off as soon as it passes the
 * limit, so a huge upload never sits in memory whole. With `timeoutMs`, a body still incomplete
 * after that long is refused with 408 (a slow-body client holds a handler at most that long;
 * Deno's HTTP server has no body read timeout of its own).
 *
 * @module
 */
import { concatBytes } from "../shared/mod.ts";
import { DeadlineSweep } from "./deadline_sweep.ts";
import { HttpError } from "./errors.ts";

/** What a `/predict` request carried. */
export interface PredictUpload {
  /** The image file's bytes. */
  bytes: Uint8Array;
  /** The `topk` form field, when the request was multipart and had one. */
  topk?: string;
}

function tooLarge(limit: number, seen: string): HttpError {
  return new HttpError(
    413,
    "body_too_large",
    `request body is ${seen}, over the ${limit}-byte limit`,
  );
}

/** Options of {@link readLimited}. */
export interface ReadOptions {
  /** Longest time for the whole body to arrive, ms (absent or 0: no limit). */
  timeoutMs?: number;
  /** Enforces `timeoutMs` (default: one timer per read; see {@link createDeadlineSweep}). */
  deadlines?: Deadlines;
}

/** Rejects a piece of work that outlives its time. */
export interface Deadlines {
  /** Resolves with `work`, or rejects with `expired()` once `timeoutMs` has passed. */
  within<T>(work: Promise<T>, timeoutMs: number, expired: () => Error): Promise<T>;
}

/**
 * {@link Deadlines} enforced by one sweep every `sweepMs` over the pending reads instead of a
 * timer per read (a timer per request is measurable on the dispatcher's hot path); a deadline
 * fires up to `sweepMs` late. The sweep runs only while reads are pending.
 */
export function createDeadlineSweep(sweepMs = 50): Deadlines {
  const sweep = new DeadlineSweep(sweepMs);
  return {
    within<T>(work: Promise<T>, timeoutMs: number, expired: () => Error): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const cancel = sweep.add(timeoutMs, () => reject(expired()));
        work.then((value) => {
          cancel();
          resolve(value);
        }, (err) => {
          cancel();
          reject(err);
        });
      });
    },
  };
}

/** A body that broke off (the client went away mid-upload) is the client's failure: 400. */
function readFailed(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  return new HttpError(
    400,
    "malformed_request",
    `request body could not be read: ${err instanceof Error ? err.message : err}`,
  );
}

function bodyTimeout(timeoutMs: number): HttpError {
  return new HttpError(408, "body_timeout", `request body not received within ${timeoutMs} ms`);
}

/**
 * Resolves with `work`, or rejects with 408 when `timeoutMs` passes first; any other failure
 * to read becomes a 400.
 */
function withDeadline<T>(
  work: Promise<T>,
  timeoutMs: number | undefined,
  deadlines?: Deadlines,
): Promise<T> {
  if (!timeoutMs) return work.catch((err) => Promise.reject(readFailed(err)));
  if (deadlines) {
    return deadlines.within(work, timeoutMs, () => bodyTimeout(timeoutMs)).catch((err) =>
      Promise.reject(readFailed(err))
    );
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(bodyTimeout(timeoutMs)), timeoutMs);
  });
  return Promise.race([work, expired]).catch((err) => Promise.reject(readFailed(err)))
    .finally(() => clearTimeout(timer));
}

/** Reads the whole body, refusing with 413 past `limit` bytes and 408 past `timeoutMs`. */
export async function readLimited(
  request: Request,
  limit: number,
  options: ReadOptions = {},
): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > limit) throw tooLarge(limit, `${declared} bytes`);
  // A declared length within the limit is enforced by the HTTP server: read it in one go
  // (without touching `request.body`, which would build a stream for nothing).
  if (Number.isInteger(declared)) {
    if (declared === 0) return new Uint8Array(0);
    return new Uint8Array(
      await withDeadline(request.arrayBuffer(), options.timeoutMs, options.deadlines),
    );
  }
  if (!request.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  const read = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) throw tooLarge(limit, `over ${limit} bytes`);
      chunks.push(value);
    }
  })();
  try {
    await withDeadline(read, options.timeoutMs, options.deadlines);
  } catch (err) {
    await reader.cancel().catch(() => {});
    read.catch(() => {});
    throw err;
  }
  return concatBytes(chunks);
}

/** The media type of a `content-type` value, lower-cased and without its parameters. */
export function mediaType(contentType: string): string {
  const semicolon = contentType.indexOf(";");
  return (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

/**
 * Extracts the image from a `/predict` request: multipart field `image` (the seed's contract) or
 * a raw `image/*` / `application/octet-stream` body. Errors: 400 (malformed multipart, no image),
 * 408 (body slower than `options.timeoutMs`), 413 (over `limit`), 415 (another media type).
 */
export async function readPredictUpload(
  request: Request,
  limit: number,
  options: ReadOptions = {},
): Promise<PredictUpload> {
  // Media types are case-insensitive, parameter values are not: the multipart boundary must
  // reach the parser exactly as sent (browsers use mixed-case boundaries).
  const contentType = request.headers.get("content-type") ?? "";
  const type = mediaType(contentType);
  if (type === "multipart/form-data") {
    const raw = await readLimited(request, limit, options);
    let form: FormData;
    try {
      form = await new Response(raw as Uint8Array<ArrayBuffer>, {
        headers: { "content-type": contentType },
      })
        .formData();
    } catch (err) {
      throw new HttpError(
        400,
        "malformed_request",
        `malformed multipart body: ${(err as Error).message}`,
      );
    }
    const file = form.get("image");
    if (!(file instanceof File)) {
      throw new HttpError(400, "missing_image", "multipart body has no file field named 'image'");
    }
    if (file.size === 0) throw new HttpError(400, "missing_image", "the 'image' file is empty");
    const topk = form.get("topk");
    return {
      bytes: new Uint8Array(await file.arrayBuffer()),
      topk: typeof topk === "string" ? topk : undefined,
    };
  }
  if (type === "" || type.startsWith("image/") || type === "application/octet-stream") {
    const bytes = await readLimited(request, limit, options);
    if (bytes.length === 0) throw new HttpError(400, "missing_image", "request body is empty");
    return { bytes };
  }
  throw new HttpError(
    415,
    "unsupported_media_type",
    `content type ${type} is not accepted: send multipart/form-data with an 'image' field or an image/* body`,
  );
}
