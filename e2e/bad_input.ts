/**
 * Scenario 3, bad-input barrage: two native replicas behind a dispatcher take normal traffic at
 * half their capacity without a break; windows without and with the barrage alternate, and in
 * the barrage windows the bad-request corpus and thousands of seeded fuzz cases (lib/shared/rng.ts
 * seeds, e2e/fuzz.ts mutations of testdata/images) are sent through the dispatcher at the normal
 * request rate (half of all requests are bad). The dispatcher's and the replicas' CPU time per
 * normal request and per bad request (the barrage windows' extra) is reported: bad input must be
 * cheap to refuse, since on a shared machine its cost is what raises normal latency.
 * Alternating windows compare like with like on a machine whose background load drifts; the
 * first second of each window is left out of the comparison.
 *
 * Checks: every bad request gets a 4xx JSON error (fuzz cases the exact status the reference
 * decoder implies), no 5xx and no broken connection, no process restarts, resident memory
 * bounded, and (full run) normal traffic's p95 rises by at most 20% over the baseline. Mutants
 * that still decode are valid images, not bad input: they are counted, and a sample is sent
 * after the measurement to check they are served (200).
 *
 * @module
 */
import { initJpegCodec } from "../lib/image/mod.ts";
import { classify, type Expected, type Outcome, sendPaced } from "./barrage.ts";
import { badRequests } from "./corpus.ts";
import { generateCases, readSeeds } from "./fuzz.ts";
import { latencyOf, probeCapacity, type RequestRow, startLoad } from "./load.ts";
import { cpuSeconds, metricSum, quantile, round, scrape, sleep } from "./measure.ts";
import { Report, type ScenarioOptions, type ScenarioResult } from "./scenario.ts";
import { rssNow, RssSampler, startDispatcher, startReplicas } from "./setup.ts";
import { Stack } from "./stack.ts";

/** Parameters (reduced / full). */
export interface BadInputParams {
  /** Fuzz cases generated. */
  fuzzCases: number;
  /** Seed of the mutator. */
  seed: number;
  /** Length of each window (without, then with the barrage), s. */
  windowS: number;
  /** Bad requests per normal request. */
  badPerNormal: number;
  /** Times the corpus is sent. */
  corpusRepeats: number;
  /** Bad requests in flight at most. */
  concurrency: number;
  /** Largest seed file, bytes. */
  maxSeedBytes: number;
}

/** Reduced and full parameters. */
export const BAD_INPUT_PARAMS: Record<"reduced" | "full", BadInputParams> = {
  reduced: {
    fuzzCases: 250,
    seed: 9,
    windowS: 5,
    badPerNormal: 1,
    corpusRepeats: 1,
    concurrency: 4,
    maxSeedBytes: 1e6,
  },
  full: {
    fuzzCases: 5000,
    seed: 9,
    windowS: 15,
    badPerNormal: 1,
    corpusRepeats: 2,
    concurrency: 4,
    maxSeedBytes: 1e6,
  },
};

/** Bound on any process's resident memory during the barrage, MiB. */
export const RSS_BOUND_MIB = 1536;

/** Runs the scenario. */
export async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const p = BAD_INPUT_PARAMS[options.full ? "full" : "reduced"];
  const report = new Report(
    "badinput",
    "bad-input corpus + seeded fuzz with normal traffic",
    options,
  );
  const stack = new Stack();
  try {
    await initJpegCodec();
    const seeds = await readSeeds("testdata/images", { maxBytes: p.maxSeedBytes });
    const cases = generateCases(seeds, p.fuzzCases, p.seed);
    const classified = await classify(cases);
    const valid = await Deno.readFile("testdata/images/synthetic_224x224.png");
    const corpus = (await badRequests("testdata/bad_inputs", valid))
      .map((request): Expected => ({ request, expect: "4xx" }));
    // the corpus spread through the fuzz cases
    const items: Expected[] = [...classified.bad];
    const repeated = Array.from({ length: p.corpusRepeats }, () => corpus).flat();
    for (const [i, c] of repeated.entries()) {
      items.splice(Math.floor(((i + 0.5) * items.length) / repeated.length), 0, c);
    }
    options.log(
      `${cases.length} fuzz cases: ${classified.bad.length} bad, ${classified.decodable.length} ` +
        `still decode; ${corpus.length} corpus requests`,
    );
    const replicas = await startReplicas(stack, 2);
    const d = await startDispatcher(stack, replicas);
    const endpoint = `${d.url}/predict`;
    const pids = () => ({
      dispatcher: d.pid,
      ...Object.fromEntries(replicas.map((r) => [r.name, r.pid])),
    });
    const startTimes = await Promise.all(
      replicas.map((r) => scrape(r.url).then((m) => metricSum(m, "process_start_time_seconds"))),
    );
    const cap = await probeCapacity(endpoint, {
      seconds: 4,
      concurrency: 16,
    });
    const rate = round(Math.max(2, cap.rps * 0.5), 1);
    options.log(`capacity ${round(cap.rps)} req/s; normal traffic ${rate} req/s`);
    const badRate = rate * p.badPerNormal;
    const W = p.windowS;
    const cycles = Math.max(2, Math.ceil(items.length / badRate / (W - 0.5)));
    options.log(`${cycles} pairs of ${W} s windows; bad requests at ${round(badRate)}/s`);
    const rssBefore = rssNow(pids());
    const sampler = new RssSampler(pids);
    const load = await startLoad(stack, "normal", {
      endpoint,
      rate,
      seconds: 2 * W * cycles + 1,
      dir: `${options.dir}/normal`,
      seed: 7,
      progress: true,
    });
    const t0 = await load.started;
    // CPU seconds of the dispatcher and the replicas at every window boundary
    const boundaries: number[] = [];
    const serverCpu = () => [d, ...replicas].reduce((n, x) => n + (cpuSeconds(x.pid) ?? 0), 0);
    const cpuTimers = Array.from({ length: 2 * cycles + 1 }, (_, k) =>
      setTimeout(
        () => (boundaries[k] = serverCpu()),
        Math.max(0, t0 + k * W * 1000 - performance.now()),
      ));
    const outcomes: Outcome[] = [];
    const perWindow = Math.ceil(items.length / cycles);
    for (let c = 0; c < cycles; c++) {
      const due = t0 + (2 * c + 1) * W * 1000 - performance.now();
      if (due > 0) await sleep(due);
      const chunk = items.slice(c * perWindow, (c + 1) * perWindow);
      outcomes.push(
        ...await sendPaced(d.url, chunk, { seconds: W - 0.5, concurrency: p.concurrency }),
      );
    }
    const normalRun = await load.done;
    cpuTimers.forEach(clearTimeout);
    sampler.stop();
    const rssAfter = rssNow(pids());
    // mutants that still decode are valid images: a sample must be served
    const sample = classified.decodable.slice(0, 10).map((c): Expected => ({
      request: {
        name: `decodable ${c.name}`,
        path: "/predict",
        method: "POST",
        headers: { "content-type": c.contentType },
        body: c.bytes,
      },
      expect: 200,
    }));
    const served = await sendPaced(d.url, sample, { seconds: 1, concurrency: 2 });

    const codes: Record<string, number> = {};
    for (const o of outcomes) codes[o.status] = (codes[o.status] ?? 0) + 1;
    const not4xx = outcomes.filter((o) => o.status < 400 || o.status >= 500);
    const fiveXX = outcomes.filter((o) => o.status >= 500);
    const transport = outcomes.filter((o) => o.status === 0);
    const mismatched = outcomes.filter((o) =>
      typeof o.expect === "number" && o.status !== o.expect
    );
    const nonJson = outcomes.filter((o) =>
      o.status >= 400 && o.code === undefined && o.status !== 0
    );
    // a normal request's window: even = without the barrage, odd = with it; the first second of
    // each window (the change-over) is left out
    const inWindow = (r: RequestRow, odd: number) =>
      r.status === 200 && Math.floor(r.scheduled / (W * 1000)) % 2 === odd &&
      r.scheduled % (W * 1000) >= 1000 && r.scheduled < 2 * W * cycles * 1000;
    const baseLat = latencyOf(normalRun.rows.filter((r) => inWindow(r, 0)));
    const barrageLat = latencyOf(normalRun.rows.filter((r) => inWindow(r, 1)));
    const ratio = barrageLat.p95 / baseLat.p95;
    // server CPU: without-windows per normal request, and the barrage windows' extra per bad one
    let cpuWithout = 0, cpuWith = 0;
    for (let k = 0; k + 1 < boundaries.length; k++) {
      const spent = (boundaries[k + 1] ?? NaN) - (boundaries[k] ?? NaN);
      if (k % 2 === 0) cpuWithout += spent;
      else cpuWith += spent;
    }
    const normalPerWindowKind = normalRun.rows.filter((r) =>
      r.status === 200 && Math.floor(r.scheduled / (W * 1000)) % 2 === 0 &&
      r.scheduled < 2 * W * cycles * 1000
    ).length;
    const cpuPerNormalMs = (1000 * cpuWithout) / Math.max(1, normalPerWindowKind);
    const cpuPerBadMs = (1000 * (cpuWith - cpuWithout)) / Math.max(1, outcomes.length);
    const normalFailed = normalRun.rows.filter((r) =>
      r.error !== "dropped" && r.status !== 200
    )
      .length;
    const metrics = await Promise.all(replicas.map((r) => scrape(r.url)));
    const after = metrics.map((m) => metricSum(m, "process_start_time_seconds"));
    const replica5xx = metrics.reduce(
      (n, m) => n + metricSum(m, "inference_requests_total", 'code="5'),
      0,
    );
    const restarted = replicas.filter((r, i) => !r.alive || after[i] !== startTimes[i]).length +
      (d.alive ? 0 : 1);
    const peak = sampler.maxPeakMib();
    report.set({
      fuzz_cases: cases.length,
      fuzz_bad: classified.bad.length,
      fuzz_still_decodable: classified.decodable.length,
      corpus_requests: corpus.length * 2,
      bad_requests_sent: outcomes.length,
      barrage_rps: round(outcomes.length / (cycles * (W - 0.5))),
      windows: `${cycles} × (${W} s without + ${W} s with)`,
      codes: JSON.stringify(codes),
      not_4xx: not4xx.length,
      status_5xx: fiveXX.length,
      transport_errors: transport.length,
      reference_mismatches: mismatched.length,
      reject_p50_ms: round(quantile(outcomes.map((o) => o.ms), 0.5)),
      reject_p99_ms: round(quantile(outcomes.map((o) => o.ms), 0.99)),
      normal_rps: rate,
      normal_sent: normalRun.summary.requests.sent,
      normal_failures: normalFailed,
      p95_without_ms: round(baseLat.p95),
      p95_with_barrage_ms: round(barrageLat.p95),
      p95_ratio: round(ratio, 3),
      server_cpu_ms_per_normal: round(cpuPerNormalMs, 2),
      server_cpu_ms_per_bad: round(cpuPerBadMs, 2),
      rss_mib_before: JSON.stringify(rssBefore),
      rss_mib_after: JSON.stringify(rssAfter),
      rss_mib_peak: peak,
      restarts: restarted,
      decodable_sample_served: served.filter((o) => o.status === 200).length,
    });
    const show = (xs: typeof outcomes) =>
      xs.slice(0, 5).map((o) => `${o.name}→${o.status}${o.error ? ` ${o.error}` : ""}`).join("; ");
    report.check(
      "every bad request gets a 4xx",
      not4xx.length === 0,
      `${outcomes.length - not4xx.length}/${outcomes.length} 4xx ${show(not4xx)}`,
    );
    report.check(
      "no 5xx, no broken connection",
      fiveXX.length === 0 && transport.length === 0 && replica5xx === 0,
      `${fiveXX.length} 5xx, ${transport.length} transport errors, replicas' 5xx ${replica5xx}`,
    );
    report.check(
      "fuzz answers match the reference decoder; errors are JSON",
      mismatched.length === 0 && nonJson.length === 0,
      `${mismatched.length} mismatches ${show(mismatched)}; ${nonJson.length} non-JSON`,
    );
    report.check("no process restarts", restarted === 0, `${restarted} restarted`);
    report.check(
      `RSS bounded (< ${RSS_BOUND_MIB} MiB)`,
      peak < RSS_BOUND_MIB,
      `peak ${peak} MiB; before ${JSON.stringify(rssBefore)} after ${JSON.stringify(rssAfter)}`,
    );
    report.check("normal requests all served", normalFailed === 0, `${normalFailed} failed`);
    report.check(
      "still-decodable mutants are served",
      served.every((o) => o.status === 200),
      `${served.filter((o) => o.status === 200).length}/${served.length} → 200`,
    );
    report.check(
      "normal p95 rises by at most 20%",
      ratio <= 1.2,
      `without ${round(baseLat.p95)} ms, with the barrage ${round(barrageLat.p95)} ms (×${
        round(ratio, 2)
      })`,
      true,
    );
  } finally {
    await stack.close();
  }
  return report.result();
}
