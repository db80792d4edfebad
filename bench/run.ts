/**
 * `deno task bench`: runs the project's benchmarks side by side in one run, writes
 * `bench/results.json` and prints a table per section.
 *
 * Sections: `inference` (bare `session.run` images/s per backend, threads and batch),
 * `preprocess` (decode + preprocess median ms per image), `replica` (HTTP saturation throughput
 * against an in-process loop, low-load latency, `/healthz` p99, RSS under bad input),
 * `dispatcher` (proxy throughput against nginx, added latency), `loadtest` (send-rate accuracy,
 * schedule lag), `policy` (µs per `decide` call for 100 pods) and `sim` (simulated requests per
 * wall second, policy comparison per scenario; ~30 min at cluster scale). Each section but
 * `inference` is one script under bench/ printing a JSON object on its last line; add new ones to
 * SECTIONS with {@link script}. `--only a,b` runs some; sections not run keep their previous results.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { InferenceResult } from "./inference_bench.ts";

const RESULTS = "bench/results.json";

type Section = () => Promise<Record<string, unknown>>;

async function child(args: string[]): Promise<unknown> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) {
    throw new Error(
      `${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr).slice(-400)}`,
    );
  }
  return JSON.parse(text.slice(text.lastIndexOf("\n") + 1));
}

async function inference(): Promise<Record<string, unknown>> {
  const runs: InferenceResult[] = [];
  for (const backend of ["native", "wasm"]) {
    for (const threads of [1, 2]) {
      for (const batch of [1, 8]) {
        const r = await child(["bench/inference_bench.ts", backend, `${threads}`, `${batch}`]);
        runs.push(r as InferenceResult);
        log(r);
      }
    }
  }
  const at = (backend: string, threads: number, batch: number) =>
    runs.find((r) => r.backend === backend && r.threads === threads && r.batch === batch)!;
  const ratio = (batch: number) =>
    round(at("native", 2, batch).images_per_s / at("wasm", 2, batch).images_per_s);
  return {
    runs,
    native_over_wasm_2_threads: { batch_1: ratio(1), batch_8: ratio(8) },
  };
}

/** A section measured by one bench script that prints a JSON object on its last line. */
function script(path: string): Section {
  return async () => {
    const result = await child([path]);
    log(result);
    return result as Record<string, unknown>;
  };
}

const SECTIONS: Record<string, Section> = {
  inference,
  preprocess: script("bench/image_bench.ts"),
  replica: script("bench/replica_bench.ts"),
  dispatcher: script("bench/dispatcher_bench.ts"),
  memory: script("bench/memory_bench.ts"),
  loadtest: script("bench/loadtest_bench.ts"),
  policy: script("bench/policy_bench.ts"),
  sim: script("bench/sim_bench.ts"),
  autoscaler: script("bench/autoscaler_bench.ts"),
};

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function log(value: unknown): void {
  console.error(JSON.stringify(value));
}

async function readPrevious(): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await Deno.readTextFile(RESULTS));
  } catch {
    return {};
  }
}

function printTable(name: string, value: Record<string, unknown>): void {
  console.log(`\n== ${name} ==`);
  const rowsOf = Object.values(value).find(Array.isArray) as Record<string, unknown>[] | undefined;
  if (rowsOf) console.table(rowsOf);
  for (const [k, v] of Object.entries(value)) {
    if (!Array.isArray(v)) console.log(`${k}: ${JSON.stringify(v)}`);
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { only: { type: "string" } } });
  const names = values.only ? values.only.split(",") : Object.keys(SECTIONS);
  const unknown = names.filter((n) => !(n in SECTIONS));
  if (unknown.length) {
    console.error(`bench: unknown section ${unknown.join(",")}; known: ${Object.keys(SECTIONS)}`);
    Deno.exit(2);
  }
  const results = await readPrevious();
  results.machine = {
    cpus: navigator.hardwareConcurrency,
    deno: Deno.version.deno,
    date: new Date().toISOString(),
    // Figures from a shared machine: the load average says how much else was running.
    loadavg_at_start: await Deno.readTextFile("/proc/loadavg").then(
      (t) => t.split(" ").slice(0, 3).join(" "),
      () => "unknown",
    ),
  };
  for (const name of names) {
    console.error(`bench: ${name} ...`);
    const value = await SECTIONS[name]();
    results[name] = value;
    await Deno.writeTextFile(RESULTS, JSON.stringify(results, null, 2) + "\n");
    printTable(name, value);
  }
  console.log(`\nwrote ${RESULTS}`);
}
