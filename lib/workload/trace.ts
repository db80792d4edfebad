/**
 * Parsers of workload trace files (given as text; file reading belongs to the caller), in three
 * formats told apart by the first line: per-second counts (barazmoon's list as a file),
 * per-request timestamps (the Azure LLM traces) and interval values (the NAB traces). Column
 * names are case-insensitive. The formats and the timestamp syntax: lib/workload/README.md.
 *
 * @module
 */
import type { RateSeries } from "./schedule.ts";

/** Which of the formats a trace was read as. */
export type TraceFormat = "counts" | "timestamps" | "intervals";

/** Options of {@link parseTrace}. */
export interface TraceOptions {
  /** For `timestamp,value` traces: whether a value is a count per interval (default) or a rate/s. */
  values?: "count" | "rate";
}

/** A parsed trace: its format and the rate series. */
export interface ParsedTrace extends RateSeries {
  /** The detected format. */
  format: TraceFormat;
}

const TIMESTAMP_RE =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** Parses a timestamp (see the module doc) into seconds; throws on anything else. */
export function parseTimestamp(text: string): number {
  const s = text.trim().replace(/^"|"$/g, "");
  if (/^[+-]?\d+(\.\d+)?$/.test(s)) return Number(s);
  const m = TIMESTAMP_RE.exec(s);
  if (!m) throw new RangeError(`timestamp must be a number or YYYY-MM-DD HH:MM:SS[.f]: got "${s}"`);
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  let ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +sec);
  if (Number.isNaN(ms)) throw new RangeError(`timestamp is not a valid date: got "${s}"`);
  if (zone && zone.toUpperCase() !== "Z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  const fraction = frac ? Number(`0.${frac.slice(0, 6)}`) : 0;
  return ms / 1000 + fraction;
}

/** Parses trace text in any of the three formats. Throws naming the line that is wrong. */
export function parseTrace(text: string, options: TraceOptions = {}): ParsedTrace {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "" && l[0] !== "#");
  if (lines.length === 0) throw new RangeError("trace is empty");
  const first = lines[0].split(",").map((c) => c.trim().replace(/^"|"$/g, "").toLowerCase());
  const hasHeader = first.some((c) => /[a-z_]/.test(c) && !/^[+-]?\d/.test(c));
  if (!hasHeader) return { format: "counts", ...parseCounts(lines, 1) };
  const rows = lines.slice(1);
  if (rows.length === 0) throw new RangeError("trace has a header but no rows");
  const ts = first.indexOf("timestamp");
  const value = first.indexOf("value");
  if (ts < 0) {
    if (first.length === 1) return { format: "counts", ...parseCounts(rows, 2) };
    throw new RangeError(
      `trace header must have a timestamp column (or a single column of counts): got "${lines[0]}"`,
    );
  }
  if (value < 0) return { format: "timestamps", ...binTimestamps(rows, ts) };
  return { format: "intervals", ...intervalRates(rows, ts, value, options.values ?? "count") };
}

function parseCounts(lines: string[], firstLineNumber: number): RateSeries {
  const rates = lines.map((line, i) => {
    const v = Number(line.replace(/,$/, ""));
    if (!Number.isFinite(v) || v < 0) {
      throw new RangeError(`trace line ${i + firstLineNumber} must be a count ≥ 0: got "${line}"`);
    }
    return v;
  });
  return { stepSeconds: 1, rates };
}

function cell(row: string, column: number, lineNumber: number): string {
  const cells = row.split(",");
  if (column >= cells.length) {
    throw new RangeError(`trace line ${lineNumber} has no column ${column + 1}: got "${row}"`);
  }
  return cells[column];
}

function timestampAt(row: string, column: number, lineNumber: number): number {
  try {
    return parseTimestamp(cell(row, column, lineNumber));
  } catch (e) {
    throw new RangeError(`trace line ${lineNumber}: ${(e as Error).message}`);
  }
}

function binTimestamps(rows: string[], column: number): RateSeries {
  const times = rows.map((row, i) => timestampAt(row, column, i + 2));
  let t0 = Infinity, t1 = -Infinity;
  for (const t of times) {
    t0 = Math.min(t0, t);
    t1 = Math.max(t1, t);
  }
  const rates = new Array<number>(Math.floor(t1 - t0) + 1).fill(0);
  for (const t of times) rates[Math.floor(t - t0)]++;
  return { stepSeconds: 1, rates };
}

function intervalRates(
  rows: string[],
  tsColumn: number,
  valueColumn: number,
  values: "count" | "rate",
): RateSeries {
  const points = rows.map((row, i) => {
    const t = timestampAt(row, tsColumn, i + 2);
    const raw = cell(row, valueColumn, i + 2);
    const v = Number(raw);
    if (!Number.isFinite(v) || v < 0) {
      throw new RangeError(`trace line ${i + 2} value must be a number ≥ 0: got "${raw}"`);
    }
    return { t, v };
  }).sort((a, b) => a.t - b.t);
  const gaps = points.slice(1).map((p, i) => p.t - points[i].t).filter((g) => g > 0)
    .sort((a, b) => a - b);
  const step = gaps.length ? gaps[(gaps.length - 1) >> 1] : 1; // lower median
  const perSecond = (v: number) => (values === "rate" ? v : v / step);
  const rates: number[] = [];
  for (const p of points) {
    const index = Math.round((p.t - points[0].t) / step);
    while (rates.length < index) rates.push(rates.length ? rates[rates.length - 1] : 0);
    rates[index] = perSecond(p.v);
  }
  return { stepSeconds: step, rates };
}
