/**
 * The bad-input barrage's sender and its cases: fuzz cases classified by the image pipeline
 * in-process (the reference: an ImageError's code gives the status the server must answer;
 * a mutant that still decodes is a valid image, not bad input), and a paced sender with a cap on
 * requests in flight that records each answer.
 *
 * @module
 */
import { ImageError, imageToTensor } from "../lib/image/mod.ts";
import type { BadRequest } from "./corpus.ts";
import type { FuzzCase } from "./fuzz.ts";
import { sleep } from "./measure.ts";

/** A bad request and the status the server must give (`4xx`: any client error). */
export interface Expected {
  /** The request. */
  request: BadRequest;
  /** The exact status the reference expects, or `4xx`. */
  expect: number | "4xx";
}

/** Fuzz cases split by the reference decoder. */
export interface Classified {
  /** Cases the pipeline refuses, with the status that maps to. */
  bad: Expected[];
  /** Cases that still decode (valid images after mutation). */
  decodable: FuzzCase[];
  /** Milliseconds the reference spent on the decodable ones (their cost as normal traffic). */
  decodableMs: number;
}

/** Classifies `cases` with the pipeline itself (yielding to the event loop as it goes). */
export async function classify(cases: FuzzCase[], maxPixels = 40_000_000): Promise<Classified> {
  const out: Classified = { bad: [], decodable: [], decodableMs: 0 };
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    const t0 = performance.now();
    try {
      imageToTensor(c.bytes, { maxPixels });
      out.decodable.push(c);
      out.decodableMs += performance.now() - t0;
    } catch (err) {
      if (!(err instanceof ImageError)) {
        throw new Error(`reference decoder crashed on ${c.name}: ${(err as Error).stack}`);
      }
      out.bad.push({
        request: {
          name: `fuzz ${c.name}`,
          path: "/predict",
          method: "POST",
          headers: { "content-type": c.contentType },
          body: c.bytes,
        },
        expect: err.code === "unsupported_format" ? 415 : 422,
      });
    }
    if (i % 16 === 15) await sleep(0); // let finalisers run: no sync-loop memory build-up
  }
  return out;
}

/** One answer. */
export interface Outcome {
  /** Request name. */
  name: string;
  /** Status (0: no response). */
  status: number;
  /** The JSON error code, when there was one. */
  code?: string;
  /** Expected status. */
  expect: number | "4xx";
  /** Milliseconds to the answer. */
  ms: number;
  /** Transport error. */
  error?: string;
}

/**
 * Sends `items` to `baseUrl` evenly over `seconds` (item i at i·seconds/n), never more than
 * `concurrency` at once (a due item waits for a slot).
 */
export async function sendPaced(
  baseUrl: string,
  items: Expected[],
  options: { seconds: number; concurrency: number; timeoutMs?: number },
): Promise<Outcome[]> {
  const client = Deno.createHttpClient({ poolMaxIdlePerHost: options.concurrency });
  const outcomes: Outcome[] = [];
  const gapMs = items.length ? (options.seconds * 1000) / items.length : 0;
  const start = performance.now();
  let active = 0;
  const slotFreed: (() => void)[] = [];
  const pending: Promise<void>[] = [];
  for (let i = 0; i < items.length; i++) {
    const due = start + i * gapMs - performance.now();
    if (due > 0) await sleep(due);
    while (active >= options.concurrency) await new Promise<void>((r) => slotFreed.push(r));
    active++;
    const { request, expect } = items[i];
    pending.push((async () => {
      const t0 = performance.now();
      try {
        const res = await fetch(`${baseUrl}${request.path}`, {
          method: request.method,
          headers: request.headers,
          body: request.body as Uint8Array<ArrayBuffer> | null,
          signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
          client,
        });
        const text = await res.text();
        let code: string | undefined;
        try {
          code = JSON.parse(text)?.error?.code;
        } catch { /* not JSON */ }
        outcomes.push({
          name: request.name,
          status: res.status,
          code,
          expect,
          ms: performance.now() - t0,
        });
      } catch (err) {
        outcomes.push({
          name: request.name,
          status: 0,
          expect,
          ms: performance.now() - t0,
          error: (err as Error).name,
        });
      } finally {
        active--;
        slotFreed.shift()?.();
      }
    })());
  }
  await Promise.all(pending);
  client.close();
  return outcomes;
}
