/**
 * Structured logs: one JSON object per line, `{"ts", "level", "component", "event", ...fields}`.
 *
 * @module
 */

/** Log levels in increasing severity. */
export type Level = "debug" | "info" | "warn" | "error";

/** Writes one event. */
export type Logger = (event: string, fields?: Record<string, unknown>, level?: Level) => void;

/** A logger for `component` writing lines to `write` (stderr by default). */
export function createLogger(
  component: string,
  write: (line: string) => void = (line) => console.error(line),
): Logger {
  return (event, fields = {}, level = "info") => {
    write(JSON.stringify({ ts: new Date().toISOString(), level, component, event, ...fields }));
  };
}

/** A logger that drops everything (for tests and quiet embedding). */
export const silentLogger: Logger = () => {};
