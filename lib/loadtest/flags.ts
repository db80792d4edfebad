/**
 * The load tester's flags (env prefix `LOADTEST_`) and the usage text of its `--help`; their
 * validation into a run's options is options.ts.
 *
 * @module
 */
import type { Flags } from "../shared/mod.ts";

/**
 * The load tester's flags. Flags whose meaning depends on others (`--trace-values`,
 * `--synthetic`, `--method`, `--client`, `--connections`) have no default here, so that
 * `toLoadOptions` can tell whether they were given; their help says what unset means.
 * Ranges and choices are checked by `toLoadOptions`, with the load tester's messages.
 */
export const LOADTEST_FLAGS = {
  workload: {
    type: "string",
    default: undefined,
    help: "requests per second, one number per second, e.g. 5,5,10 (barazmoon's list)",
  },
  trace: {
    type: "string",
    default: undefined,
    help: "per-second counts, per-request timestamps (Azure CSV) or timestamp,value rates " +
      "(NAB CSV); see traces/README.md",
  },
  "trace-values": {
    type: "string",
    default: undefined,
    help: "count|rate: --trace's timestamp,value rows are counts per interval or rates/s; " +
      "unset: count",
  },
  shape: { type: "string", default: undefined, help: "a rate shape, SPEC above" },
  "rate-scale": { type: "number", default: 1, help: "multiply every rate" },
  "time-scale": {
    type: "number",
    default: 1,
    help: "multiply the time axis: 0.01 replays 5-minute steps as 3 s",
  },
  duration: {
    type: "number",
    default: undefined,
    help: "keep the first S seconds (shapes: their length); unset: all, 60 for shapes",
  },
  arrivals: {
    type: "string",
    default: "poisson",
    help: "poisson|uniform: arrivals inside each second",
  },
  seed: {
    type: "number",
    default: 42,
    help: "seed of arrivals, payload picks and synthetic images",
  },
  endpoint: {
    type: "string",
    default: undefined,
    help: "target, e.g. http://127.0.0.1:5052/predict; required",
  },
  images: {
    type: "string",
    default: undefined,
    help: "send .jpg/.jpeg/.png files from DIR, seeded random pick per request",
  },
  synthetic: {
    type: "string",
    default: undefined,
    help: "WxH: send seeded synthetic JPEGs of this size; unset: 224x224 unless --images or " +
      "--no-body",
  },
  "no-body": { type: "boolean", default: false, help: "send no body (method becomes GET)" },
  body: {
    type: "string",
    default: "multipart",
    help: "multipart|raw: multipart field (the seed's contract) or raw image body",
  },
  field: { type: "string", default: "image", help: "multipart field name" },
  method: {
    type: "string",
    default: undefined,
    help: "HTTP method; unset: POST, GET with --no-body",
  },
  header: { type: "list", default: [], help: "extra request header 'K: V'" },
  client: {
    type: "string",
    default: undefined,
    help: "http1|fetch: keep-alive HTTP/1.1 over TCP (http: only; ~4x less CPU per request) " +
      "or Deno's fetch; unset: http1 for http:, fetch for https:",
  },
  "max-inflight": {
    type: "number",
    default: 1000,
    help: "outstanding requests beyond which new ones are dropped",
  },
  connections: {
    type: "number",
    default: undefined,
    help: "requests on the wire at once; more wait for a connection, like a closed-loop " +
      "client; unset: no limit",
  },
  "timeout-ms": { type: "number", default: 30_000, help: "per-request timeout" },
  warmup: {
    type: "number",
    default: 0,
    help: "unrecorded requests sent to the endpoint before the run (they are real work)",
  },
  preconnect: {
    type: "number",
    default: 8,
    help: "connections opened before the run without sending anything (http1 client; 0: none)",
  },
  "slo-ms": {
    type: "number",
    default: undefined,
    help: "count SLO violations: slower than N ms, failed or dropped",
  },
  threshold: {
    type: "list",
    default: [],
    help:
      "pass/fail threshold, e.g. 'p95<500ms', 'errors<1%', 'lag_p99<=2ms'; exit 99 when one fails",
  },
  out: {
    type: "string",
    default: undefined,
    help: "directory for requests.csv, seconds.csv and summary.json",
  },
  "progress-interval": {
    type: "number",
    default: 5,
    help: "seconds between progress lines when not on a terminal",
  },
  quiet: { type: "boolean", default: false, help: "no progress output" },
  json: {
    type: "boolean",
    default: false,
    help: "print summary.json to stdout instead of the text report",
  },
} as const;

/** The parsed flags, before `toLoadOptions`. */
export type LoadFlags = Flags<typeof LOADTEST_FLAGS>;

/** Environment-variable prefix of the flags. */
export const LOADTEST_ENV_PREFIX = "LOADTEST";

/** Text of `--help` above the generated option lines. */
export const LOADTEST_USAGE =
  `Usage: deno task loadtest --endpoint URL (--workload LIST | --trace FILE | --shape SPEC) [options]

Open-loop, trace-driven load tester (barazmoon-compatible workloads, wrk2-style corrected latency).

Workload: exactly one of --workload, --trace, --shape. SPEC is one of
  constant:rate=R | step:from=A,to=B[,at=S] | ramp:from=A,to=B |
  sine:mean=M,amplitude=A[,period=60,phase=0] |
  spike:base=B,peak=P[,at=S,width=10] | bursty:base=B,peak=P[,on=5,off=30]

Exit codes: 0 done, 2 bad usage or input, 99 a threshold failed.`;
