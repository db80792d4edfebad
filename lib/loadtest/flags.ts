/**
 * Command-line options of `loadtest.ts`, parsed with node:util `parseArgs` and validated: every
 * bad value throws a {@link UsageError} that names the flag and the value.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { UsageError } from "../shared/mod.ts";
import {
  ARRIVAL_MODES,
  type ArrivalMode,
  parseRateList,
  parseShape,
  type ShapeSpec,
} from "../workload/mod.ts";
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

/** The `--help` text. */
export const HELP =
  `Usage: deno task loadtest --endpoint URL (--workload LIST | --trace FILE | --shape SPEC) [options]

Open-loop, trace-driven load tester (barazmoon-compatible workloads, wrk2-style corrected latency).

Workload (exactly one):
  --workload 5,5,10          requests per second, one number per second (barazmoon's list)
  --trace FILE               per-second counts, per-request timestamps (Azure CSV) or timestamp,value
                             rates (NAB CSV); see traces/README.md
  --trace-values count|rate  timestamp,value rows are counts per interval (default) or rates/s
  --shape SPEC               constant:rate=R | step:from=A,to=B[,at=S] | ramp:from=A,to=B |
                             sine:mean=M,amplitude=A[,period=60,phase=0] |
                             spike:base=B,peak=P[,at=S,width=10] | bursty:base=B,peak=P[,on=5,off=30]
  --rate-scale X             multiply every rate (default 1)
  --time-scale X             multiply the time axis: 0.01 replays 5-minute steps as 3 s (default 1)
  --duration S               keep the first S seconds (shapes: their length, default 60)
  --arrivals poisson|uniform arrivals inside each second (default poisson)
  --seed N                   seed of arrivals, payload picks and synthetic images (default 42)

Requests:
  --endpoint URL             target, e.g. http://127.0.0.1:5052/predict (required)
  --images DIR               send .jpg/.jpeg/.png files from DIR, seeded random pick per request
  --synthetic WxH            send seeded synthetic JPEGs of this size (default 224x224)
  --no-body                  send no body (default method becomes GET)
  --body multipart|raw       multipart field (the seed's contract, default) or raw image body
  --field NAME               multipart field name (default image)
  --method M                 HTTP method (default POST, GET with --no-body)
  --header 'K: V'            extra request header (repeatable)
  --client http1|fetch       HTTP client: keep-alive HTTP/1.1 over TCP (http: only, the default
                             there; ~4x less CPU per request) or Deno's fetch, the default for
                             https:
  --max-inflight N           outstanding requests beyond which new ones are dropped (default 1000)
  --connections N            requests on the wire at once; more wait for a connection, like a
                             closed-loop client (default: no limit)
  --timeout-ms N             per-request timeout (default 30000)
  --warmup N                 unrecorded requests sent before the run to open connections
                             (default 8; 0 for none)

Results:
  --slo-ms N                 count SLO violations (slower than N ms, failed or dropped)
  --threshold EXPR           e.g. 'p95<500ms', 'errors<1%', 'lag_p99<=2ms' (repeatable); exit 99
                             when one fails
  --out DIR                  write requests.csv, seconds.csv and summary.json
  --progress-interval S      seconds between progress lines when not on a terminal (default 5)
  --quiet                    no progress output
  --json                     print summary.json to stdout instead of the text report
  --help, -h                 this help

Exit codes: 0 done, 2 bad usage or input, 99 a threshold failed.
`;

function number(
  flag: string,
  raw: string | undefined,
  fallback: number,
  rule: { integer?: boolean; min?: number; positive?: boolean; max?: number },
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  const bad = raw.trim() === "" || !Number.isFinite(value) ||
    (rule.integer && !Number.isInteger(value)) || (rule.positive && value <= 0) ||
    (rule.min !== undefined && value < rule.min) || (rule.max !== undefined && value > rule.max);
  if (bad) {
    const need = [
      rule.integer ? "an integer" : "a number",
      rule.min !== undefined && rule.max !== undefined
        ? `between ${rule.min} and ${rule.max}`
        : rule.positive
        ? "> 0"
        : rule.min !== undefined
        ? `≥ ${rule.min}`
        : "",
    ].filter(Boolean).join(" ");
    throw new UsageError(`--${flag} must be ${need}: got ${raw}`);
  }
  return value;
}

function wrap<T>(flag: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--${flag}: ${(e as Error).message}`);
  }
}

/** Parses the command line; returns `"help"` for `--help`. Throws {@link UsageError}. */
export function parseLoadArgs(args: string[]): LoadOptions | "help" {
  const s = { type: "string" } as const, b = { type: "boolean" } as const;
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        endpoint: s,
        workload: s,
        trace: s,
        "trace-values": s,
        shape: s,
        "rate-scale": s,
        "time-scale": s,
        duration: s,
        arrivals: s,
        seed: s,
        images: s,
        synthetic: s,
        "no-body": b,
        body: s,
        field: s,
        method: s,
        header: { type: "string", multiple: true },
        client: s,
        "max-inflight": s,
        connections: s,
        "timeout-ms": s,
        warmup: s,
        "slo-ms": s,
        threshold: { type: "string", multiple: true },
        out: s,
        "progress-interval": s,
        quiet: b,
        json: b,
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return "help";
  if (!v.endpoint) throw new UsageError("--endpoint URL is required");
  let url: URL;
  try {
    url = new URL(v.endpoint);
  } catch {
    throw new UsageError(`--endpoint must be an http(s) URL: got ${v.endpoint}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--endpoint must be an http(s) URL: got ${v.endpoint}`);
  }
  const sources = (["workload", "trace", "shape"] as const).filter((k) => v[k] !== undefined);
  if (sources.length !== 1) {
    throw new UsageError(
      `give exactly one of --workload, --trace, --shape: got ${
        sources.map((k) => `--${k}`).join(", ") || "none"
      }`,
    );
  }
  const traceValues = v["trace-values"] ?? "count";
  if (traceValues !== "count" && traceValues !== "rate") {
    throw new UsageError(`--trace-values must be count|rate: got ${traceValues}`);
  }
  if (v["trace-values"] !== undefined && !v.trace) {
    throw new UsageError("--trace-values applies to --trace only");
  }
  const workload: WorkloadSource = v.workload !== undefined
    ? { kind: "list", rates: wrap("workload", () => parseRateList(v.workload!)) }
    : v.trace !== undefined
    ? { kind: "trace", path: v.trace, values: traceValues }
    : { kind: "shape", spec: wrap("shape", () => parseShape(v.shape!)) };
  const arrivals = v.arrivals ?? "poisson";
  if (!(ARRIVAL_MODES as readonly string[]).includes(arrivals)) {
    throw new UsageError(`--arrivals must be ${ARRIVAL_MODES.join("|")}: got ${arrivals}`);
  }
  const body = v.body ?? "multipart";
  if (body !== "multipart" && body !== "raw") {
    throw new UsageError(`--body must be multipart|raw: got ${body}`);
  }
  const given = [v.images && "--images", v.synthetic && "--synthetic", v["no-body"] && "--no-body"]
    .filter(Boolean);
  if (given.length > 1) throw new UsageError(`give at most one of ${given.join(", ")}`);
  const method = (v.method ?? (v["no-body"] ? "GET" : "POST")).toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new UsageError(`--method must be a word: got ${v.method}`);
  if (!v["no-body"] && (method === "GET" || method === "HEAD")) {
    throw new UsageError(`--method ${method} cannot carry an image: add --no-body`);
  }
  const client = v.client;
  if (client !== undefined && client !== "http1" && client !== "fetch") {
    throw new UsageError(`--client must be http1|fetch: got ${client}`);
  }
  if (client === "http1" && url.protocol !== "http:") {
    throw new UsageError("--client http1 needs an http: endpoint (use fetch for https:)");
  }
  const headers: Record<string, string> = {};
  for (const h of v.header ?? []) {
    const colon = h.indexOf(":");
    if (colon < 1) throw new UsageError(`--header must be 'Name: value': got ${h}`);
    headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
  }
  const sloRaw = v["slo-ms"];
  const durationRaw = v.duration;
  const thresholds = (v.threshold ?? []).map((t) => wrap("threshold", () => parseThreshold(t)));
  if (sloRaw === undefined && thresholds.some((t) => t.metric === "slo_violations")) {
    throw new UsageError("--threshold slo_violations needs --slo-ms");
  }
  return {
    endpoint: url.href,
    workload,
    rateScale: number("rate-scale", v["rate-scale"], 1, { min: 0 }),
    timeScale: number("time-scale", v["time-scale"], 1, { positive: true }),
    durationSeconds: durationRaw === undefined
      ? undefined
      : number("duration", durationRaw, 0, { integer: true, min: 1 }),
    arrivals: arrivals as ArrivalMode,
    seed: number("seed", v.seed, 42, { integer: true, min: 0, max: 0xffffffff }),
    imagesDir: v.images,
    synthetic: v["no-body"] || v.images
      ? undefined
      : wrap("synthetic", () => parseSize(v.synthetic ?? "224x224")),
    body,
    field: v.field ?? "image",
    method,
    headers,
    client,
    maxInflight: number("max-inflight", v["max-inflight"], 1000, { integer: true, min: 1 }),
    connections: number("connections", v.connections, Infinity, { integer: true, min: 1 }),
    timeoutMs: number("timeout-ms", v["timeout-ms"], 30_000, { positive: true }),
    warmup: number("warmup", v.warmup, 8, { integer: true, min: 0 }),
    sloMs: sloRaw === undefined ? undefined : number("slo-ms", sloRaw, 0, { positive: true }),
    thresholds,
    outDir: v.out,
    progressSeconds: number("progress-interval", v["progress-interval"], 5, { positive: true }),
    quiet: v.quiet ?? false,
    json: v.json ?? false,
  };
}
