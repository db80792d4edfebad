/**
 * Files of `--out DIR`: `requests.csv` (streamed while the run goes on), `seconds.csv` and
 * `summary.json`. The line formatters are pure; {@link createLineSink} does the buffered writing.
 *
 * @module
 */
import type { SecondRow } from "./recorder.ts";
import type { RequestRecord } from "./runner.ts";

/** Header of `requests.csv`: times in ms from the start; latency corrected, uncorrected. */
export const REQUESTS_HEADER =
  "index,scheduled_ms,sent_ms,done_ms,status,latency_ms,uncorrected_ms,replica,error\n";

/** Header of `seconds.csv`. */
export const SECONDS_HEADER = "second,offered,sent,dropped,ok,errors,p50_ms,p95_ms,p99_ms\n";

const f3 = (x: number | undefined) => (x === undefined ? "" : x.toFixed(3));

function csvField(text: string | undefined): string {
  if (text === undefined) return "";
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One `requests.csv` line (with its newline). Dropped requests have empty sent/done/latency. */
export function requestLine(r: RequestRecord): string {
  const latency = r.done === undefined ? undefined : r.done - r.scheduled;
  const uncorrected = r.done === undefined || r.sent === undefined ? undefined : r.done - r.sent;
  return `${r.index},${f3(r.scheduled)},${f3(r.sent)},${f3(r.done)},${r.status},${f3(latency)},` +
    `${f3(uncorrected)},${csvField(r.replica)},${csvField(r.error)}\n`;
}

/** The whole `seconds.csv`. */
export function secondsCsv(rows: SecondRow[]): string {
  return SECONDS_HEADER +
    rows.map((s) =>
      `${s.second},${s.offered},${s.sent},${s.dropped},${s.ok},${s.errors},` +
      `${f3(s.p50)},${f3(s.p95)},${f3(s.p99)}\n`
    ).join("");
}

/** A buffered, ordered, append-only text file. */
export interface LineSink {
  /** Queues text; written when the buffer passes ~64 KiB. */
  write(text: string): void;
  /** Writes what is buffered and closes the file. */
  close(): Promise<void>;
}

/** Opens (truncates) `path` and returns a sink that writes in order without blocking callers. */
export async function createLineSink(path: string): Promise<LineSink> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const encoder = new TextEncoder();
  let buffer: string[] = [];
  let size = 0;
  let chain = Promise.resolve();
  let failure: unknown;
  const flush = () => {
    if (buffer.length === 0) return;
    const bytes = encoder.encode(buffer.join(""));
    buffer = [];
    size = 0;
    chain = chain.then(async () => {
      for (let off = 0; off < bytes.length;) off += await file.write(bytes.subarray(off));
    }).catch((e) => {
      failure ??= e;
    });
  };
  return {
    write(text) {
      buffer.push(text);
      size += text.length;
      if (size > 65536) flush();
    },
    async close() {
      flush();
      await chain;
      file.close();
      if (failure) throw new Error(`writing ${path} failed: ${failure}`);
    },
  };
}
