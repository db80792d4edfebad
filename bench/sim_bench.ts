/**
 * Simulator bench: speed, and the policy comparison per scenario.
 *
 * `deno run -A bench/sim_bench.ts [--scale 1] [--scenarios step,spike,...] [--no-sweep]
 * [--seed 1] [--skip-speed] [--policies hpa,cpa,...] [--rate-window 60] [--inflight 8]` prints
 * progress on stderr and one JSON object on the last stdout line (the bench runner's `sim`
 * section):
 *
 * - `speed`: simulated requests per wall second on 24 h × 100 req/s (fixed 5 replicas, and
 *   under `cpa` and `hpa`), and the cost of the reused pure modules at 1,000 replicas / 1M
 *   requests (`leastOutstanding` per pick, `BoundedQueue` push + shift) against the simulator's
 *   own structures.
 * - `capacity`: the capacity table the oracle uses.
 * - `scenarios`: per scenario the oracle, each policy at its default setting and every sweep
 *   point (violations %, p95, replica-seconds, ratio to the oracle, ...), the Pareto frontiers
 *   and whether cpa's frontier dominates hpa's and cpa-seed's.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { BoundedQueue, leastOutstanding } from "../lib/dispatcher/mod.ts";
import {
  loadScenario,
  measureCapacity,
  READY,
  ReplicaTable,
  runSimulation,
  runStudy,
  SCENARIO_NAMES,
  type ScenarioName,
  type StudyRow,
} from "../lib/sim/mod.ts";
import type { PolicyName } from "../lib/policy/mod.ts";

function round(x: number | null, digits = 3): number | null {
  if (x === null || !Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function speed(): Record<string, unknown> {
  const counts = new Array(86_400).fill(100);
  const runs: Record<string, unknown>[] = [];
  for (
    const [label, controller] of [
      ["fixed", { kind: "fixed" }],
      ["cpa", { kind: "policy", policy: "cpa" }],
      ["hpa", { kind: "policy", policy: "hpa" }],
    ] as const
  ) {
    const t0 = performance.now();
    const r = runSimulation({ counts, seed: 7, controller, initialReplicas: 5, maxReplicas: 100 });
    const wall = (performance.now() - t0) / 1000;
    runs.push({
      controller: label,
      requests: r.totals.arrivals,
      wall_s: round(wall, 2),
      requests_per_wall_s: Math.round(r.totals.arrivals / wall),
      events: r.events,
    });
    console.error(JSON.stringify(runs.at(-1)));
  }
  return { trace: "24 h × 100 req/s", runs, reused_modules: reusedModules() };
}

/** The pure balancer and queue against the simulator's structures, at simulator scale. */
function reusedModules(): Record<string, unknown> {
  const n = 1000, picks = 20_000;
  const candidates = Array.from({ length: n }, (_, i) => ({ id: `r${i}`, outstanding: i % 8 }));
  let t0 = performance.now(), sink = 0;
  for (let i = 0; i < picks; i++) sink += leastOutstanding(candidates, i % n);
  const pure = ((performance.now() - t0) * 1000) / picks;
  const table = new ReplicaTable(8, 1024);
  for (let i = 0; i < n; i++) {
    const r = table.allocate(READY, 0);
    table.lineLen[r] = i % 8;
    table.add(r);
  }
  t0 = performance.now();
  for (let i = 0; i < picks * 50; i++) sink += table.pick();
  const bucketed = ((performance.now() - t0) * 1000) / (picks * 50);
  const items = 1_000_000, queue = new BoundedQueue<number>(1024);
  t0 = performance.now();
  for (let i = 0; i < items; i++) {
    queue.push(i, i);
    if (queue.length > 512) sink += queue.shift()!.value;
  }
  const bounded = ((performance.now() - t0) * 1e6) / items;
  const ring = new Int32Array(1024);
  let head = 0, len = 0;
  t0 = performance.now();
  for (let i = 0; i < items; i++) {
    ring[(head + len++) % 1024] = i;
    if (len > 512) {
      sink += ring[head];
      head = (head + 1) % 1024;
      len--;
    }
  }
  const typed = ((performance.now() - t0) * 1e6) / items;
  if (sink === -1) console.error(sink);
  return {
    least_outstanding_1000_candidates_us_per_pick: round(pure, 3),
    bucketed_least_outstanding_us_per_pick: round(bucketed, 4),
    bounded_queue_ns_per_push_shift: round(bounded, 1),
    int32_ring_ns_per_push_shift: round(typed, 1),
  };
}

function row(r: StudyRow): Record<string, unknown> {
  return {
    policy: r.policy,
    value: Number.isNaN(r.value) ? "default" : r.value,
    violations_pct: round(r.violationsPercent, 3),
    p50: round(r.p50),
    p95: round(r.p95),
    p99: round(r.p99),
    late: r.late,
    failed: r.failed,
    rejected: r.rejected,
    replica_s: Math.round(r.replicaSeconds),
    ratio: round(r.costRatio, 3),
    mean_replicas: round(r.meanReplicas, 1),
    actions: r.scalingActions,
    oscillations: r.oscillations,
    recovery_s: r.recoverySeconds,
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      scale: { type: "string", default: "1" },
      scenarios: { type: "string", default: SCENARIO_NAMES.join(",") },
      "no-sweep": { type: "boolean", default: false },
      "skip-speed": { type: "boolean", default: false },
      seed: { type: "string", default: "1" },
      "rate-window": { type: "string", default: "60" },
      inflight: { type: "string", default: "8" },
      policies: { type: "string", default: "hpa,cpa-seed,cpa,kpa,queue" },
    },
  });
  const base = {
    metrics: { rateWindowSeconds: Number(values["rate-window"]) },
    dispatcher: { perReplicaInflight: Number(values.inflight) },
  };
  const policies = values.policies.split(",") as PolicyName[];
  const scale = Number(values.scale), seed = Number(values.seed);
  const names = values.scenarios.split(",").filter((s) => s !== "") as ScenarioName[];
  const out: Record<string, unknown> = { scale, seed, ...base };
  if (!values["skip-speed"]) out.speed = speed();
  let t0 = performance.now();
  const capacity = measureCapacity({ dispatcher: base.dispatcher }, {});
  out.capacity = {
    wall_s: round((performance.now() - t0) / 1000, 1),
    quantile: capacity.quantile,
    points: capacity.points.map((p) => [p.replicas, round(p.ratePerReplica, 2)]),
  };
  console.error(JSON.stringify(out.capacity));
  const scenarios: Record<string, unknown>[] = [];
  for (const name of names) {
    const scenario = await loadScenario(name, { scale });
    t0 = performance.now();
    let requests = 0;
    const study = runStudy(scenario, {
      capacity,
      seed,
      base,
      policies,
      sweep: values["no-sweep"] ? [] : policies,
      onRun: (label, s) => {
        requests += s.arrivals;
        console.error(
          `${name} ${label}: ${s.violationsPercent.toFixed(2)}% rs ${
            Math.round(s.replicaSeconds)
          }` +
            ` ×${s.costRatio?.toFixed(2)} p95 ${s.p95.toFixed(3)}`,
        );
      },
    });
    const wall = (performance.now() - t0) / 1000;
    scenarios.push({
      scenario: name,
      description: scenario.description,
      seconds: study.seconds,
      warmup_s: study.warmupSeconds,
      steps: study.steps,
      oracle_replica_s: study.oracleReplicaSeconds,
      wall_s: round(wall, 1),
      requests_per_wall_s: Math.round(requests / wall),
      oracle: study.oracleRun ? row(study.oracleRun) : null,
      defaults: study.defaults.map(row),
      sweep: study.sweep.map(row),
      frontiers: Object.fromEntries(
        Object.entries(study.frontiers).map(([p, rows]) => [p, rows.map((r) => r.value)]),
      ),
      cpa_dominates: Object.fromEntries(
        Object.entries(study.cpaDominates).map(([p, d]) => [p, {
          dominates: d.dominates,
          uncovered: d.uncovered.map((
            r,
          ) => [r.value, round(r.violationsPercent), r.replicaSeconds]),
        }]),
      ),
      cpa_dominates_within_slo: Object.fromEntries(
        Object.entries(study.cpaDominatesWithinSlo).map(([p, d]) => [p, {
          dominates: d.dominates,
          uncovered: d.uncovered.map((
            r,
          ) => [r.value, round(r.violationsPercent), r.replicaSeconds]),
        }]),
      ),
      cpa_goal: study.cpaGoal,
    });
  }
  out.scenarios = scenarios;
  console.log(JSON.stringify(out));
}
