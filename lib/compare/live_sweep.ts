/**
 * A knob sweep on the live stack (`compare --mode live --sweep`): each policy at every value of
 * its main knob ({@link SWEEP_KNOBS}, or `knobValues`), one live run each, then the same frontier
 * and dominance as the simulator's. Long: policies × values × (duration + ~12 s of setup).
 *
 * @module
 */
import type { PolicyName } from "../policy/mod.ts";
import type { ReportRun, ReportSweep, ReportSweepPoint } from "../report/mod.ts";
import { dominance, paretoFrontier, SWEEP_KNOBS } from "../sim/mod.ts";
import { type LiveOptions, runLivePolicy } from "./live_mode.ts";

/** The sweep section of the report from its runs (pure); `oracle` adds the oracle's point. */
export function sweepFromRuns(
  runs: readonly { run: ReportRun; value: number }[],
  oracle?: ReportSweepPoint,
): ReportSweep {
  const points: ReportSweepPoint[] = runs.map(({ run, value }) => ({
    policy: run.policy,
    value,
    violationsPercent: run.summary.violationsPercent,
    replicaSeconds: run.summary.replicaSeconds,
  }));
  const policies = [...new Set(points.map((p) => p.policy))];
  const frontiers: Record<string, ReportSweepPoint[]> = {};
  for (const p of policies) frontiers[p] = paretoFrontier(points.filter((x) => x.policy === p));
  const cpa = points.filter((p) => p.policy === "cpa");
  const dominanceOf: ReportSweep["dominance"] = {};
  if (cpa.length > 0) {
    for (const p of policies) {
      if (p !== "cpa") dominanceOf[p] = dominance(cpa, points.filter((x) => x.policy === p));
    }
  }
  return {
    knobs: Object.fromEntries(policies.map((p) => [p, SWEEP_KNOBS[p as PolicyName].key])),
    points: oracle ? [...points, oracle] : points,
    frontiers,
    dominance: dominanceOf,
  };
}

/** Runs every policy of `o` over its knob live; returns the runs with their knob values. */
export async function runLiveSweep(
  o: LiveOptions,
  knobValues: Partial<Record<PolicyName, number[]>> = {},
): Promise<{ run: ReportRun; value: number }[]> {
  const out: { run: ReportRun; value: number }[] = [];
  for (const policy of o.policies) {
    const knob = SWEEP_KNOBS[policy];
    for (const value of knobValues[policy] ?? knob.values) {
      o.signal?.throwIfAborted();
      const label = `${policy} ${knob.key}=${value}`;
      o.progress?.(`live sweep: ${label}`);
      const run = await runLivePolicy(policy, o, { label, spec: { [knob.key]: value } });
      o.progress?.(
        `  ${label}: violations ${run.summary.violationsPercent.toFixed(1)}%, ${
          run.summary.replicaSeconds.toFixed(0)
        } replica-s`,
      );
      out.push({ run, value });
    }
  }
  return out;
}
