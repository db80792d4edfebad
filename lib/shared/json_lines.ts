/**
 * Reads a child process's structured log: one JSON object per line (the format of lib/shared/log.ts).
 * Lines that are not JSON objects come through as `{raw: line}`, so nothing a process prints is
 * lost.
 *
 * ```ts
 * for await (const entry of jsonLines(child.stderr)) if (entry.event === "ready") break;
 * ```
 *
 * @module
 */

/** One log line: the parsed object, or `{raw}` for a line that is not a JSON object. */
export type LogLine = Record<string, unknown>;

/** Parses one line (pure). */
export function parseLogLine(line: string): LogLine {
  try {
    const value = JSON.parse(line);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value;
  } catch { /* not JSON */ }
  return { raw: line };
}

/** Yields each line of `stream` as a {@link LogLine}, until the stream ends (a last partial line included). */
export async function* jsonLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<LogLine> {
  let buffer = "";
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.trim()) yield parseLogLine(line);
    }
  }
  buffer += decoder.decode();
  if (buffer.trim()) yield parseLogLine(buffer);
}
