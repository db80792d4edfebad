/**
 * Live autoscaling timeline on this machine: a real dispatcher, `autoscaler.ts run` with the local
 * actuator starting real replica.ts processes (native backend, one thread each), the built-in
 * scraper, and a step load (synthetic 224×224 JPEGs, uniform arrivals) from `--low` to `--high`
 * requests/s.
 *
 * The bench polls the dispatcher's `/metrics` itself every 250 ms for the queue policy's metric
 * (`dispatcher_queue_length + (dispatcher_inflight − queue)` = requests queued or in flight) and
 * reports, relative to the step: when that metric first crossed the policy's target for one
 * replica (momentarily, and for good: from then on above target until the scale-up), the first
 * tick that saw it, the tick that actuated the scale-up, when the new replica
 * was ready and registered, and whether the scale-up came within one interval of the crossing.
 *
 * Usage: deno run -A bench/autoscaler_bench.ts [--interval 15] [--low 4] [--high 50]
 * [--before-s 20] [--after-s 45] [--target 2] → one JSON object on the last stdout line.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { syntheticJpeg } from "../lib/image/mod.ts";
import { createRng } from "../lib/shared/mod.ts";
import { parseExposition } from "../lib/metrics/mod.ts";
import { type Started, startScript } from "../tests/support/process.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    interval: { type: "string", default: "15" },
    low: { type: "string", default: "4" },
    high: { type: "string", default: "50" },
    "before-s": { type: "string", default: "20" },
    "after-s": { type: "string", default: "45" },
    target: { type: "string", default: "2" },
    max: { type: "string", default: "3" },
  },
});
const interval = Number(values.interval), low = Number(values.low), high = Number(values.high);
const target = Number(values.target);
const round = (x: number | undefined) => x === undefined ? null : Math.round(x * 100) / 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Requests queued or in flight at the dispatcher now. */
async function demand(dispatcher: string): Promise<number> {
  const samples = parseExposition(await fetch(`${dispatcher}/metrics`).then((r) => r.text()));
  return samples.find((s) => s.name === "dispatcher_inflight")?.value ?? NaN;
}

async function readyReplicas(dispatcher: string): Promise<number> {
  const body = await fetch(`${dispatcher}/admin/replicas`).then((r) => r.json());
  return body.replicas.filter((r: { state: string }) => r.state === "ready").length;
}

const dir = await Deno.makeTempDir({ prefix: "autoscaler-bench-" });
const decisionLog = `${dir}/decisions.jsonl`;
let dispatcher: Started | undefined, autoscaler: Started | undefined;
const result: Record<string, unknown> = {};
try {
  dispatcher = await startScript("dispatcher.ts", [
    "--host=127.0.0.1",
    "--port=0",
    "--health-interval-s=0.2",
  ]);
  autoscaler = await startScript("autoscaler.ts", [
    "run",
    "--host=127.0.0.1",
    "--port=0",
    "--policy=queue",
    `--spec={"targetPerReplica": ${target}}`,
    `--interval=${interval}`,
    "--scrape-interval=1",
    "--metrics=scrape",
    `--dispatcher=${dispatcher.url}`,
    "--actuator=local",
    "--replica-args=--backend native --threads 1",
    "--min=1",
    `--max=${values.max}`,
    `--decision-log=${decisionLog}`,
  ]);
  const d = dispatcher.url;
  const until = Date.now() + 60_000;
  while (await readyReplicas(d) < 1) {
    if (Date.now() > until) {
      throw new Error(
        `no ready replica in 60 s; autoscaler logs: ${JSON.stringify(autoscaler.logs.slice(-5))}`,
      );
    }
    await sleep(100);
  }

  const image = syntheticJpeg(224, 224, createRng(7));
  const t0 = performance.now();
  const epoch0 = Date.now() - t0; // epoch ms = epoch0 + performance.now()
  const stepAt = t0 + Number(values["before-s"]) * 1000;
  const endAt = stepAt + Number(values["after-s"]) * 1000;
  let sent = 0, failed = 0;
  const load = (async () => {
    let next = t0;
    while (next < endAt) {
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      sent++;
      fetch(`${d}/predict`, {
        method: "POST",
        body: image,
        headers: { "content-type": "image/jpeg" },
      })
        .then(async (r) => {
          if (!r.ok) failed++;
          await r.body?.cancel();
        }).catch(() => failed++);
      next += 1000 / (next < stepAt ? low : high);
    }
  })();
  const polls: { t: number; demand: number; ready: number }[] = [];
  while (performance.now() < endAt) {
    const t = performance.now();
    polls.push({ t, demand: await demand(d), ready: await readyReplicas(d) });
    await sleep(Math.max(0, 250 - (performance.now() - t)));
  }
  await load;

  const rel = (epochMs: number) => (epochMs - epoch0 - stepAt) / 1000;
  const ticks = (await Deno.readTextFile(decisionLog)).trim().split("\n").map((l) => JSON.parse(l));
  // the metric is an instant gauge: report the first (possibly momentary) crossing, and the
  // sustained one — the start of the run of polls above target that lasts until the scale-up
  const crossing = polls.find((p) => p.t >= stepAt && p.demand > target * 1);
  const sawIt = ticks.find((k) =>
    rel(k.now * 1000) >= 0 &&
    (k.inputs.queueLength ?? 0) + (k.inputs.inFlight ?? 0) > target * k.current
  );
  const scaled = ticks.find((k) =>
    k.actuation === "scaled" && k.desired > k.current && rel(k.now * 1000) >= 0
  );
  const twoReady = polls.find((p) => p.t >= stepAt && p.ready >= 2);
  const readyEvents = autoscaler.logs.filter((l) => l.event === "replica_ready");
  const scaledS = scaled ? rel(scaled.now * 1000) : undefined;
  let sustained: typeof polls[number] | undefined;
  for (const p of polls) {
    if (p.t < stepAt || (scaledS !== undefined && p.t > stepAt + scaledS * 1000)) continue;
    if (p.demand > target) sustained ??= p;
    else sustained = undefined;
  }
  const firstCrossingS = crossing ? (crossing.t - stepAt) / 1000 : undefined;
  const crossingS = sustained ? (sustained.t - stepAt) / 1000 : undefined;
  Object.assign(result, {
    policy: "queue",
    target_per_replica: target,
    interval_s: interval,
    load_rps: { before: low, after: high },
    requests: { sent, failed },
    first_crossing_s: round(firstCrossingS),
    sustained_crossing_s: round(crossingS),
    first_tick_seeing_it_s: round(sawIt ? rel(sawIt.now * 1000) : undefined),
    scale_up_actuated_s: round(scaledS),
    scale_up: scaled ? { from: scaled.current, to: scaled.desired, reason: scaled.reason } : null,
    second_replica_ready_s: round(twoReady ? (twoReady.t - stepAt) / 1000 : undefined),
    new_replica_start_to_ready_ms: readyEvents.slice(1).map((e) => e.start_to_ready_ms),
    actuated_minus_sustained_crossing_s: round(
      scaledS !== undefined && crossingS !== undefined ? scaledS - crossingS : undefined,
    ),
    within_one_interval: scaledS !== undefined && crossingS !== undefined &&
      scaledS - crossingS <= interval,
    ticks: ticks.map((k) => ({
      t_s: round(rel(k.now * 1000)),
      demand: round((k.inputs.queueLength ?? 0) + (k.inputs.inFlight ?? 0)),
      current: k.current,
      desired: k.desired,
      reason: k.reason,
      actuation: k.actuation,
    })),
  });
} finally {
  await autoscaler?.stop();
  await dispatcher?.stop();
  await Deno.remove(dir, { recursive: true });
}
console.log(JSON.stringify(result));
