/**
 * The flags of `autoscaler.ts run` (env prefix `AUTOSCALER_`) and the JSON-or-file flag reader.
 *
 * @module
 */
import { type Flags, UsageError } from "../shared/mod.ts";
import { POLICY_NAMES } from "../policy/mod.ts";

const int = (def: number, min: number, max: number, help: string) =>
  ({ type: "number", default: def, min, max, integer: true, help }) as const;
const num = (def: number, min: number, max: number, help: string) =>
  ({ type: "number", default: def, min, max, help }) as const;
const str = (def: string, help: string) => ({ type: "string", default: def, help }) as const;

/** The `run` flags (env prefix `AUTOSCALER_`). */
export const AUTOSCALER_FLAGS = {
  policy: { type: "string", default: "hpa", choices: POLICY_NAMES, help: "scaling policy" },
  spec: str("{}", "policy spec: JSON text or a JSON file (min/max come from --min/--max)"),
  interval: num(15, 0.05, 3600, "seconds between decisions"),
  min: int(1, 0, 1000, "fewest replicas"),
  max: int(10, 1, 1000, "most replicas"),
  replicas: int(-1, -1, 1000, "replicas to start with (local) / report (dry-run); -1 = --min"),
  metrics: {
    type: "string",
    default: "scrape",
    choices: ["scrape", "prometheus"],
    help: "metric source",
  },
  prometheus: str("http://127.0.0.1:9090", "Prometheus base URL (--metrics prometheus)"),
  queries: str("", "PromQL overrides: JSON {field: query} or a JSON file"),
  "query-timeout-ms": int(2000, 1, 600_000, "timeout per PromQL query / scrape"),
  "pod-label": str("instance", "label naming the pod in the CPU query's result"),
  "scrape-targets": str("", "extra comma-separated base URLs to scrape (--metrics scrape)"),
  "scrape-interval": num(5, 0.05, 600, "seconds between scrapes (--metrics scrape)"),
  "window-s": num(
    60,
    1,
    3600,
    "rate window of the metrics, seconds (the scraper's, or --queries')",
  ),
  dispatcher: str("", "comma-separated dispatcher base URLs (admin API, scraping)"),
  "admin-token": str("", "bearer token of the dispatchers' admin API"),
  "api-token": str("", "bearer token callers of /api/v1 must send (default: loopback only)"),
  actuator: {
    type: "string",
    default: "dry-run",
    choices: ["local", "kubernetes", "dry-run"],
    help: "what is scaled",
  },
  "replica-script": str("replica.ts", "replica script the local actuator starts"),
  "replica-args": str("", "extra replica flags for the local actuator, space-separated"),
  "startup-delay-s": num(
    0,
    0,
    3600,
    "local: delay before a new replica starts (scheduling, pulls)",
  ),
  "startup-distribution": {
    type: "string",
    default: "fixed",
    choices: ["fixed", "cluster"],
    help:
      "local: fixed --startup-delay-s, or cluster: drawn per replica like a pod's start in the " +
      "simulator (lognormal, median 20 s, at least 5 s)",
  },
  "cpu-request-milli": int(
    1000,
    1,
    1_000_000,
    "local/dry-run: CPU request per replica, millicores",
  ),
  "k8s-namespace": str("default", "kubernetes: namespace"),
  "k8s-deployment": str("resnet", "kubernetes: Deployment name"),
  "backoff-max-s": num(300, 0, 86_400, "longest actuator backoff, seconds"),
  host: str("0.0.0.0", "address to listen on"),
  port: int(5000, 0, 65535, "port of /metrics and the CPA API (0 = any free port)"),
  "decision-log": str("-", "JSONL decision log file (- = stdout)"),
  emulated: {
    type: "boolean",
    default: false,
    help: "the replicas are hollow (replica --backend emulated): pod CPU is their emulated CPU",
  },
} as const;

/** Usage of `autoscaler run --help`. */
export const AUTOSCALER_RUN_USAGE =
  "Usage: deno task autoscaler run [options]\n\nThe autoscaling control loop.";

/** The `evaluate` flags. */
export const EVALUATE_FLAGS = {
  "state-file": {
    type: "string",
    default: undefined,
    help: "read the state from FILE when the input has none, and write the new state to it",
  },
} as const;

/** Parsed `run` options. */
export type AutoscalerOptions = Flags<typeof AUTOSCALER_FLAGS>;

/** A flag holding a JSON object or the path of a JSON file; `""` is `{}`. */
export async function jsonFlag(text: string, flag: string): Promise<Record<string, unknown>> {
  let raw = text.trim();
  if (raw === "") return {};
  if (!raw.startsWith("{")) {
    try {
      raw = await Deno.readTextFile(raw);
    } catch (err) {
      throw new UsageError(
        `--${flag} is neither JSON nor a readable file: ${text} (${(err as Error).message})`,
      );
    }
  }
  try {
    const value = JSON.parse(raw);
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new Error("not an object");
    }
    return value;
  } catch (err) {
    throw new UsageError(
      `--${flag} must be a JSON object: ${(err as Error).message}: got ${raw.slice(0, 80)}`,
    );
  }
}
