/**
 * `deno task demo`: the product end to end in a few minutes on a fresh machine — calibrate the
 * replica briefly, compare hpa, cpa-seed and cpa live on a short spike, then the same policies on
 * the cluster-scale spike in simulation with a sweep of their knobs, and print where the reports
 * are. Also `compare validate`: one small workload live and simulated with the same seed.
 *
 * @module
 */
import type { PolicyName } from "../policy/mod.ts";
import { type ReportRun, writeReport } from "../report/mod.ts";
import {
  compareLive,
  type CompareOptions,
  compareSim,
  liveMetrics,
  liveOracle,
  liveRunOptions,
  liveSpecs,
  readCalibration,
  summaryTable,
} from "./run.ts";
import { measureCalibration } from "./measure_calibration.ts";
import { machineSchedule } from "./workloads.ts";
import { type LiveOptions, runLive } from "./live_mode.ts";
import {
  medianRows,
  simulateSchedule,
  type ValidationRow,
  validationRows,
  validationTable,
} from "./validate.ts";
import { K8S_CALIBRATION, withStartupDelay } from "../sim/mod.ts";

/** What the demo produced. */
export interface DemoResult {
  /** Live report page. */
  live: string;
  /** Simulation report page. */
  sim: string;
  /** Calibration file. */
  calibration: string;
}

/** Runs the demo (see the module doc); `o.out` is the root of its outputs. */
export async function runDemo(
  o: CompareOptions,
  progress: (line: string) => void,
): Promise<DemoResult> {
  const t0 = performance.now();
  const elapsed = () => `[${((performance.now() - t0) / 1000).toFixed(0)} s]`;
  const policies: PolicyName[] = o.policies;
  await Deno.mkdir(o.out, { recursive: true });
  progress(`${elapsed()} 1/3 calibrating the replica (${o.replicaArgs})`);
  const calibration = await measureCalibration({
    rounds: 8,
    throughputThreads: [1],
    throughputSeconds: 3,
    startupInterference: false, // the demo does not compare its live runs with the simulator
    progress,
  });
  const calibrationPath = `${o.out}/calibration.json`;
  await Deno.writeTextFile(calibrationPath, JSON.stringify(calibration, null, 1) + "\n");
  progress(`${elapsed()} 2/3 live: ${policies.join(", ")} on a ${o.duration || 60} s spike`);
  const liveInput = await compareLive({
    ...o,
    mode: "live",
    scenario: "spike",
    trace: "",
    duration: o.duration || 60,
    calibration: calibrationPath,
    out: `${o.out}/live`,
  }, (l) => progress(`${elapsed()} ${l}`));
  const live = await writeReport(`${o.out}/live`, liveInput);
  progress(summaryTable(liveInput));
  progress(`${elapsed()} 3/3 simulation: cluster-scale spike with a knob sweep`);
  const simOut = await compareSim(
    {
      ...o,
      mode: "sim",
      scenario: "spike",
      trace: "",
      duration: 2400,
      sweep: true,
    },
    () => {},
    K8S_CALIBRATION,
  );
  const sim = await writeReport(`${o.out}/sim`, simOut.input);
  progress(summaryTable(simOut.input));
  progress(`${elapsed()} done`);
  return { live, sim, calibration: calibrationPath };
}

/** Draws of the replicas' randomness the validation's simulated side takes the median of. */
const SIM_DRAWS = 9;

/** `compare validate`: one small workload live and simulated; returns the table. */
export async function runValidate(
  o: CompareOptions,
  progress: (line: string) => void,
): Promise<string> {
  const calibration = await readCalibration(o.calibration, K8S_CALIBRATION);
  const schedule = await machineSchedule(
    { scenario: o.scenario, traceFile: o.trace || undefined, tracesDir: o.tracesDir },
    { durationSeconds: o.duration || 60, peakRate: o.peakRps },
  );
  const sloSeconds = o.sloMs / 1000;
  const oracle = liveOracle(schedule, calibration, { sloSeconds, maxReplicas: o.max });
  const metrics = await liveMetrics(o.metrics);
  progress(`validate: ${schedule.description}, live then simulated (${calibration.name})`);
  const live = liveRunOptions(o, {
    specs: liveSpecs(o, calibration),
    schedule,
    metrics,
    oracleReplicaSeconds: oracle.replicaSeconds,
    progress,
  });
  // the live actuator holds a new replica pending for the startup delay before it starts
  const simulated = withStartupDelay(calibration, o.startupDelayS);
  const sim = simulateSchedule(schedule, o.policies, simulated, { ...live, draws: SIM_DRAWS });
  const lives = await liveRepeats(live, Math.max(1, Math.round(o.repeat ?? 1)));
  const rows = medianRows(lives.map((l) => validationRows(l, sim)));
  const table = validationTable(rows);
  await writeReport(o.out, {
    title: `resnet18 autoscaling: live vs simulated, ${schedule.name}`,
    mode: "live",
    scenario: `${schedule.name}: ${schedule.description}`,
    seed: o.seed,
    sloSeconds,
    createdAt: new Date().toISOString(),
    stepSeconds: 1,
    runs: closestRepeat(lives, rows).flatMap((l) => [
      { ...l, label: `${l.policy} live` },
      sim.find((s) => s.policy === l.policy)!,
    ]),
    oracle: { replicas: oracle.replicas, replicaSeconds: oracle.replicaSeconds, summary: null },
    notes: [`Simulated with calibration ${calibration.name}.`, table],
  });
  await Deno.writeTextFile(`${o.out}/validation.json`, JSON.stringify(rows, null, 1) + "\n");
  return table;
}

/** The live runs `repeats` times (each in its own directory when more than once). */
async function liveRepeats(live: LiveOptions, repeats: number): Promise<ReportRun[][]> {
  const lives: ReportRun[][] = [];
  for (let r = 0; r < repeats; r++) {
    if (repeats > 1) live.progress?.(`validate: live repeat ${r + 1} of ${repeats}`);
    const workDir = repeats > 1 ? `${live.workDir}/${r + 1}` : live.workDir;
    lives.push(await runLive({ ...live, workDir }));
  }
  return lives;
}

/** The report charts the repeat whose p95s are closest to the medians. */
function closestRepeat(lives: ReportRun[][], rows: ValidationRow[]): ReportRun[] {
  const distance = (l: ReportRun[]) =>
    l.reduce((sum, run) => {
      const row = rows.find((x) => x.policy === run.policy)!;
      return sum + Math.abs(run.summary.p95 - row.liveP95);
    }, 0);
  return lives.reduce((best, l) => (distance(l) < distance(best) ? l : best));
}
