/**
 * The options of a load test run, validated from the parsed flags: every bad value or
 * combination throws a {@link UsageError} that names the flag and the value.
 *
 * @module
 */
import { parseFlags, UsageError } from "../shared/mod.ts";
import {
  ARRIVAL_MODES,
  type ArrivalMode,
  parseRateList,
  parseShape,
  type ShapeSpec,
} from "../workload/mod.ts";
import { type LoadFlags, LOADTEST_ENV_PREFIX, LOADTEST_FLAGS } from "./flags.ts";
import type { HttpClientKind } from "./sender.ts";
import { type BodyMode, parseSize } from "./payload.ts";
import { parseThreshold, type Threshold } from "./threshold.ts";

/** Where the workload comes from: exactly one of the three. */
export type WorkloadSource =
  | { kind: "list"; rates: number[] }
  | { kind: "trace"; path: string; values: "count" | "rate" }
  | { kind: "shape"; spec: ShapeSpec };

/** Validated options of a load test run. */
export interface LoadOptions {
  /** Target URL (http or https). */
  endpoint: string;
  /** The workload. */
  workload: WorkloadSource;
  /** Multiplies every rate. */
  rateScale: number;
  /** Multiplies the time axis. */
  timeScale: number;
  /** Seconds to keep (shapes: their length, default 60). */
  durationSeconds?: number;
  /** Arrivals inside each second. */
  arrivals: ArrivalMode;
  /** Seed of arrivals, payload picks, synthetic images and bursty shapes. */
  seed: number;
  /** Directory of images to send, or undefined. */
  imagesDir?: string;
  /** Synthetic JPEG size when no images directory is given (undefined: no body). */
  synthetic?: { width: number; height: number };
  /** How the image travels. */
  body: BodyMode;
  /** Multipart field name. */
  field: string;
  /** HTTP method. */
  method: string;
  /** Extra request headers. */
  headers: Record<string, string>;
  /** HTTP client: own HTTP/1.1 (http: only) or fetch; undefined picks by protocol. */
  client?: HttpClientKind;
  /** Most requests outstanding; more are dropped. */
  maxInflight: number;
  /** Most requests on the wire (Infinity: no limit). */
  connections: number;
  /** Per-request timeout (ms). */
  timeoutMs: number;
  /** Unrecorded requests sent before the run. */
  warmup: number;
  /** Connections opened before the run, sending nothing. */
  preconnect: number;
  /** Latency SLO (ms) for the violation count. */
  sloMs?: number;
  /** Pass/fail thresholds. */
  thresholds: Threshold[];
  /** Directory for requests.csv, seconds.csv and summary.json. */
  outDir?: string;
  /** Seconds between progress lines when stderr is not a terminal. */
  progressSeconds: number;
  /** No progress output. */
  quiet: boolean;
  /** Print summary.json to stdout instead of the text report. */
  json: boolean;
}

/** What a number flag must be. */
interface NumberRule {
  integer?: boolean;
  min?: number;
  positive?: boolean;
  max?: number;
}

/** The rule's wording in a message, e.g. "an integer ≥ 1" or "a number > 0". */
function describe(rule: NumberRule): string {
  const range = rule.min !== undefined && rule.max !== undefined
    ? `between ${rule.min} and ${rule.max}`
    : rule.positive
    ? "> 0"
    : rule.min !== undefined
    ? `≥ ${rule.min}`
    : "";
  return [rule.integer ? "an integer" : "a number", range].filter(Boolean).join(" ");
}

/** Returns `value` if it obeys `rule`, else throws naming `--flag`. */
function checked(flag: string, value: number, rule: NumberRule): number {
  const bad = (rule.integer && !Number.isInteger(value)) || (rule.positive && value <= 0) ||
    (rule.min !== undefined && value < rule.min) || (rule.max !== undefined && value > rule.max);
  if (bad) throw new UsageError(`--${flag} must be ${describe(rule)}: got ${value}`);
  return value;
}

/** Runs a parser of a flag's value; its error becomes a usage error naming the flag. */
function wrap<T>(flag: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--${flag}: ${(e as Error).message}`);
  }
}

/** `value` if it is one of `choices`, else a usage error naming `--flag`. */
function oneOf<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${flag} must be ${choices.join("|")}: got ${value}`);
  }
  return value as T;
}

/** The endpoint as a URL: required, http or https. */
function endpointUrl(endpoint: string | undefined): URL {
  if (!endpoint) throw new UsageError("--endpoint URL is required");
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UsageError(`--endpoint must be an http(s) URL: got ${endpoint}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--endpoint must be an http(s) URL: got ${endpoint}`);
  }
  return url;
}

/** The one workload source of `--workload`, `--trace` or `--shape`. */
function workloadSource(f: LoadFlags): WorkloadSource {
  const sources = (["workload", "trace", "shape"] as const).filter((k) => f[k] !== undefined);
  if (sources.length !== 1) {
    throw new UsageError(
      `give exactly one of --workload, --trace, --shape: got ${
        sources.map((k) => `--${k}`).join(", ") || "none"
      }`,
    );
  }
  const values = oneOf("trace-values", f.traceValues ?? "count", ["count", "rate"] as const);
  if (f.traceValues !== undefined && !f.trace) {
    throw new UsageError("--trace-values applies to --trace only");
  }
  if (f.workload !== undefined) {
    return { kind: "list", rates: wrap("workload", () => parseRateList(f.workload!)) };
  }
  if (f.trace !== undefined) return { kind: "trace", path: f.trace, values };
  return { kind: "shape", spec: wrap("shape", () => parseShape(f.shape!)) };
}

/** The request's body source, method, client and headers. */
function requestParts(f: LoadFlags, url: URL) {
  const given = [f.images && "--images", f.synthetic && "--synthetic", f.noBody && "--no-body"]
    .filter(Boolean);
  if (given.length > 1) throw new UsageError(`give at most one of ${given.join(", ")}`);
  const method = (f.method ?? (f.noBody ? "GET" : "POST")).toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new UsageError(`--method must be a word: got ${f.method}`);
  if (!f.noBody && (method === "GET" || method === "HEAD")) {
    throw new UsageError(`--method ${method} cannot carry an image: add --no-body`);
  }
  const client = f.client === undefined
    ? undefined
    : oneOf("client", f.client, ["http1", "fetch"] as const);
  if (client === "http1" && url.protocol !== "http:") {
    throw new UsageError("--client http1 needs an http: endpoint (use fetch for https:)");
  }
  return { method, client, headers: parseHeaders(f.header) };
}

/** `Name: value` headers, names lower-cased. */
function parseHeaders(lines: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const h of lines) {
    const colon = h.indexOf(":");
    if (colon < 1) throw new UsageError(`--header must be 'Name: value': got ${h}`);
    headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
  }
  return headers;
}

/** The thresholds; an SLO threshold needs `--slo-ms`. */
function parseThresholds(f: LoadFlags): Threshold[] {
  const thresholds = f.threshold.map((t) => wrap("threshold", () => parseThreshold(t)));
  if (f.sloMs === undefined && thresholds.some((t) => t.metric === "slo_violations")) {
    throw new UsageError("--threshold slo_violations needs --slo-ms");
  }
  return thresholds;
}

/** The synthetic image size, unless images come from a directory or there is no body. */
function syntheticSize(f: LoadFlags): { width: number; height: number } | undefined {
  if (f.noBody || f.images) return undefined;
  return wrap("synthetic", () => parseSize(f.synthetic ?? "224x224"));
}

/** Checks the number flags, in the order of the options they become. */
function numbers(f: LoadFlags) {
  const seed = { integer: true, min: 0, max: 0xffffffff };
  return {
    rateScale: checked("rate-scale", f.rateScale, { min: 0 }),
    timeScale: checked("time-scale", f.timeScale, { positive: true }),
    durationSeconds: f.duration === undefined
      ? undefined
      : checked("duration", f.duration, { integer: true, min: 1 }),
    seed: checked("seed", f.seed, seed),
    synthetic: syntheticSize(f),
    maxInflight: checked("max-inflight", f.maxInflight, { integer: true, min: 1 }),
    connections: f.connections === undefined
      ? Infinity
      : checked("connections", f.connections, { integer: true, min: 1 }),
    timeoutMs: checked("timeout-ms", f.timeoutMs, { positive: true }),
    warmup: checked("warmup", f.warmup, { integer: true, min: 0 }),
    preconnect: checked("preconnect", f.preconnect, { integer: true, min: 0, max: 1024 }),
    sloMs: f.sloMs === undefined ? undefined : checked("slo-ms", f.sloMs, { positive: true }),
    progressSeconds: checked("progress-interval", f.progressInterval, { positive: true }),
  };
}

/** Validates parsed flags into the options of a run. Throws {@link UsageError}. */
export function toLoadOptions(f: LoadFlags): LoadOptions {
  const url = endpointUrl(f.endpoint);
  const workload = workloadSource(f);
  const arrivals = oneOf("arrivals", f.arrivals, ARRIVAL_MODES);
  const body = oneOf("body", f.body, ["multipart", "raw"] as const);
  const { method, client, headers } = requestParts(f, url);
  const thresholds = parseThresholds(f);
  const n = numbers(f);
  return {
    endpoint: url.href,
    workload,
    rateScale: n.rateScale,
    timeScale: n.timeScale,
    durationSeconds: n.durationSeconds,
    arrivals,
    seed: n.seed,
    imagesDir: f.images,
    synthetic: n.synthetic,
    body,
    field: f.field,
    method,
    headers,
    client,
    maxInflight: n.maxInflight,
    connections: n.connections,
    timeoutMs: n.timeoutMs,
    warmup: n.warmup,
    preconnect: n.preconnect,
    sloMs: n.sloMs,
    thresholds,
    outDir: f.out,
    progressSeconds: n.progressSeconds,
    quiet: f.quiet,
    json: f.json,
  };
}

/**
 * Parses and validates a command line, with `LOADTEST_*` variables of `env` (default: the
 * process's) as fallbacks; returns `"help"` for `--help`. Throws {@link UsageError}.
 */
export function parseLoadArgs(
  args: string[],
  env?: Record<string, string | undefined>,
): LoadOptions | "help" {
  const flags = parseFlags(LOADTEST_FLAGS, args, { envPrefix: LOADTEST_ENV_PREFIX, env });
  return flags === "help" ? "help" : toLoadOptions(flags);
}
