/**
 * Findings as sentences a reader can act on: a policy's setting in words ("hpa at a 60% CPU
 * target"), and what a point no cpa setting covers means ("... has fewer violations than any cpa
 * setting of equal or lower cost").
 *
 * @module
 */

/** One operating point of a sweep. */
export interface SettingPoint {
  /** Policy name. */
  policy: string;
  /** Knob value; NaN at the policy's default setting. */
  value: number;
  /** SLO violations, percent. */
  violationsPercent: number;
  /** Cost, replica-seconds. */
  replicaSeconds: number;
}

const PHRASES: Record<string, (value: number) => string> = {
  targetCPUUtilizationPercentage: (v) => `at a ${v}% CPU target`,
  headroom: (v) => `with ${Math.round(v * 100)}% headroom`,
  targetLatencySeconds: (v) => `at a ${Math.round(v * 1000)} ms latency target`,
  targetConcurrencyPerReplica: (v) => `at ${v} requests in flight per replica`,
  targetPerReplica: (v) => `at ${v} queued requests per replica`,
};

/** A policy's setting in words: "hpa at a 60% CPU target", "cpa at its default setting". */
export function settingText(policy: string, knob: string | undefined, value: number): string {
  if (Number.isNaN(value)) return `${policy} at its default setting`;
  const phrase = knob ? PHRASES[knob] : undefined;
  return `${policy} ${phrase ? phrase(value) : `with ${knob ?? "its knob"} = ${value}`}`;
}

function percent(v: number): string {
  return v === 0 ? "no" : v < 0.1 ? `${v.toFixed(2)}%` : `${v.toFixed(1)}%`;
}

function cost(replicaSeconds: number): string {
  return `${Math.round(replicaSeconds).toLocaleString("en-US")} replica-seconds`;
}

/** Why `point` is not covered by `winner`: better or cheaper than each of its settings. */
export function uncoveredText(point: SettingPoint, knob: string | undefined, winner: string) {
  const who = settingText(point.policy, knob, point.value);
  const what = `${percent(point.violationsPercent)} violations at ${cost(point.replicaSeconds)}`;
  return `${who} (${what}) has fewer violations than any ${winner} setting of equal or lower cost.`;
}

/** The verdict on `other`'s frontier against `winner`'s, one sentence per point it loses. */
export function dominanceText(
  winner: string,
  other: string,
  verdict: { dominates: boolean; uncovered: SettingPoint[] },
  knob: string | undefined,
): string[] {
  if (verdict.dominates) {
    return [
      `Every ${other} setting is matched by a ${winner} setting with no more violations at no ` +
      `more cost.`,
    ];
  }
  return verdict.uncovered.map((p) => uncoveredText(p, knob, winner));
}
