import assert from "node:assert/strict";
import { simulate } from "./sim_mode.ts";
import {
  medianRows,
  medianRun,
  simulateSchedule,
  type ValidationRow,
  validationRows,
  validationTable,
} from "./validate.ts";
import { liveShape } from "./live_scenarios.ts";
import { writeReport } from "../report/mod.ts";
import { buildScenario, type CapacityTable, K8S_CALIBRATION } from "../sim/mod.ts";

// a small cluster: the step scenario at 1/100 of its rates (10 → 30 req/s), 4 minutes measured
const scenario = buildScenario("step", { scale: 0.01, durationSeconds: 240, warmupSeconds: 60 });
const capacity: CapacityTable = {
  sloSeconds: 0.5,
  quantile: 0.95,
  points: [{ replicas: 1, ratePerReplica: 30 }, { replicas: 8, ratePerReplica: 36 }],
};

Deno.test("simulate", async (t) => {
  const lines: string[] = [];
  const { input, study } = simulate(scenario, {
    policies: ["hpa", "cpa"],
    sweep: [],
    seed: 7,
    sloSeconds: 0.5,
    calibration: K8S_CALIBRATION,
    capacity,
    progress: (l) => lines.push(l),
  });
  await t.step("one run per policy, labelled by policy", () => {
    assert.deepEqual(input.runs.map((r) => r.label), ["hpa", "cpa"]);
    assert.equal(input.mode, "sim");
    assert.equal(input.seed, 7);
  });
  await t.step("series cover the measured seconds", () => {
    for (const run of input.runs) {
      for (const [k, v] of Object.entries(run.series)) {
        assert.equal(v.length, 240, `${run.label} ${k}`);
      }
    }
    assert.equal(input.oracle!.replicas.length, 240);
  });
  await t.step("summaries are the study's rows", () => {
    assert.equal(input.runs[0].summary.replicaSeconds, study.defaults[0].replicaSeconds);
    assert.ok(input.runs.every((r) => r.summary.costRatio !== null));
    assert.ok(input.oracle!.summary);
  });
  await t.step("offered load matches the scenario", () => {
    const offered = input.runs[0].series.offered.reduce((a, b) => a + b, 0);
    const want = scenario.counts.slice(60).reduce((a, b) => a + b, 0);
    assert.equal(offered, want);
  });
  await t.step("replicas ≥ 1 every second", () => {
    for (const run of input.runs) assert.ok(run.series.replicas.every((r) => r >= 1));
  });
  await t.step("progress per run, oracle first", () => {
    assert.equal(lines.length, 3);
    assert.match(lines[0], /sim oracle/);
  });
  await t.step("no sweep section without a sweep", () => assert.equal(input.sweep, undefined));
  await t.step("notes say what won", () => assert.ok(input.notes!.length >= 1));
  await t.step("writes a report", async () => {
    const dir = await Deno.makeTempDir();
    try {
      const path = await writeReport(dir, input);
      assert.equal(path, `${dir}/index.html`);
      const summary = JSON.parse(await Deno.readTextFile(`${dir}/summary.json`));
      assert.equal(summary.runs.length, 2);
      const csv = await Deno.readTextFile(`${dir}/seconds_cpa.csv`);
      assert.equal(csv.trim().split("\n").length, 241);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("simulate with a sweep", async (t) => {
  const { input } = simulate(scenario, {
    policies: ["hpa", "cpa"],
    sweep: ["hpa", "cpa"],
    seed: 7,
    sloSeconds: 0.5,
    calibration: K8S_CALIBRATION,
    capacity,
  });
  await t.step("knobs, points with the oracle's, frontiers, dominance", () => {
    const sweep = input.sweep!;
    assert.deepEqual(sweep.knobs, { hpa: "targetCPUUtilizationPercentage", cpa: "headroom" });
    assert.equal(sweep.points.filter((p) => p.policy === "oracle").length, 1);
    assert.equal(sweep.points.filter((p) => p.policy === "hpa").length, 7);
    assert.ok(sweep.frontiers.hpa.length >= 1 && sweep.frontiers.cpa.length >= 1);
    assert.deepEqual(Object.keys(sweep.dominance), ["hpa"]);
  });
});

/** A 40 s live spike and the live control settings the simulation mirrors. */
const schedule = liveShape("spike", 40, 20);
const settings = {
  seed: 3,
  sloSeconds: 0.5,
  intervalSeconds: 5,
  windowSeconds: 15,
  initialReplicas: 1,
  minReplicas: 1,
  maxReplicas: 3,
  holdSeconds: 10,
};

Deno.test("simulateSchedule and validationRows", async (t) => {
  const sim = simulateSchedule(schedule, ["hpa", "cpa"], K8S_CALIBRATION, settings);
  await t.step("one run per policy over the schedule", () => {
    assert.deepEqual(sim.map((r) => r.label), ["hpa sim", "cpa sim"]);
    for (const r of sim) assert.equal(r.series.replicas.length, 40);
  });
  await t.step("same seed, same figures", () => {
    const again = simulateSchedule(schedule, ["hpa", "cpa"], K8S_CALIBRATION, settings);
    assert.deepEqual(again.map((r) => r.summary), sim.map((r) => r.summary));
  });
  await t.step("differences against itself are zero", () => {
    const rows = validationRows(sim, sim);
    assert.equal(rows[0].replicaTimelineMeanAbsDiff, 0);
    assert.equal(rows[0].liveP95, rows[0].simP95);
    assert.match(validationTable(rows), /\| hpa \|/);
  });
  await t.step("timeline difference", () => {
    const shifted = sim.map((r) => ({
      ...r,
      series: { ...r.series, replicas: r.series.replicas.map((x) => x + 1) },
    }));
    const rows = validationRows(shifted, sim);
    assert.equal(rows[1].replicaTimelineMeanAbsDiff, 1);
    assert.equal(rows[1].replicaTimelineMaxAbsDiff, 1);
  });
  await t.step("a missing simulated policy is named", () => {
    assert.throws(() => validationRows(sim, sim.slice(0, 1)), /no simulated run of cpa/);
  });
});

Deno.test("simulateSchedule: the median of several draws of service times", () => {
  const one = simulateSchedule(schedule, ["cpa"], K8S_CALIBRATION, settings)[0];
  const five = simulateSchedule(schedule, ["cpa"], K8S_CALIBRATION, { ...settings, draws: 5 })[0];
  assert.equal(five.label, "cpa sim");
  assert.equal(five.summary.arrivals, one.summary.arrivals, "the same arrivals");
  assert.deepEqual(
    simulateSchedule(schedule, ["cpa"], K8S_CALIBRATION, { ...settings, draws: 5 })[0].summary,
    five.summary,
    "deterministic",
  );
});

Deno.test("medianRun: the run of median p95", () => {
  const run = (p95: number) => ({ summary: { p95 } });
  const runs = [run(3), run(1), run(5), run(2), run(4)];
  assert.equal(medianRun(runs), runs[0]);
  assert.equal(medianRun([run(2), run(1)]).summary.p95, 1, "the lower middle of an even count");
  assert.equal(medianRun(runs.slice(0, 1)), runs[0]);
  assert.deepEqual(runs.map((r) => r.summary.p95), [3, 1, 5, 2, 4], "not reordered");
  assert.throws(() => medianRun([]), /at least one/);
});

Deno.test("medianRows: each live figure is the median over the repeats, every p95 kept", () => {
  const row = (policy: string, liveP95: number, liveReplicaSeconds: number): ValidationRow => ({
    policy,
    liveP95,
    simP95: 0.1,
    liveViolations: 0,
    simViolations: 0,
    liveReplicaSeconds,
    simReplicaSeconds: 60,
    replicaTimelineMeanAbsDiff: liveReplicaSeconds === 60 ? 0 : 1,
    replicaTimelineMaxAbsDiff: liveReplicaSeconds === 60 ? 0 : 1,
  });
  const rows = medianRows([
    [row("hpa", 0.12, 89), row("cpa", 0.126, 60)],
    [row("cpa", 0.428, 60), row("hpa", 0.11, 89)], // any order
    [row("hpa", 0.2, 60), row("cpa", 0.13, 60)],
  ]);
  assert.deepEqual(rows.map((r) => r.policy), ["hpa", "cpa"]);
  assert.equal(rows[0].liveP95, 0.12);
  assert.equal(rows[1].liveP95, 0.13, "one slow run does not move the median");
  assert.equal(rows[0].liveReplicaSeconds, 89);
  assert.equal(rows[0].replicaTimelineMeanAbsDiff, 1);
  assert.deepEqual(rows[1].liveP95Runs, [0.126, 0.428, 0.13]);
  assert.match(validationTable(rows), /\| cpa \| 130 \(126, 428, 130\) \| 100 \|/);
  assert.equal(medianRows([[row("hpa", 0.1, 60), row("cpa", 0.2, 60)]])[1].liveP95, 0.2);
  assert.doesNotMatch(validationTable(medianRows([[row("hpa", 0.1, 60)]])), /\(/);
  assert.throws(() => medianRows([]), RangeError);
  assert.throws(() => medianRows([[row("hpa", 0.1, 60)], [row("cpa", 0.1, 60)]]), /no row for hpa/);
});
