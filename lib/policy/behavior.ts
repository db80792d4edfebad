/**
 * Kubernetes autoscaling/v2 `behavior`: stabilisation windows, scaling-rate policies and the
 * min/max clamp, shared by every policy that normalises like the HPA (`hpa`, `cpa`, `queue`).
 * Mirrors kubernetes pkg/controller/podautoscaler/horizontal.go; which function does what, and
 * how long events and recommendations are kept: lib/policy/README.md.
 *
 * @module
 */
import { clamp } from "./types.ts";

/** A scaling policy: how much one direction may change within `periodSeconds`. */
export interface ScalingPolicy {
  /** `Pods`: an absolute number of replicas; `Percent`: a percentage of the count. */
  type: "Pods" | "Percent";
  /** Replicas or percent; > 0. */
  value: number;
  /** Length of the period the change is measured over, seconds (1..1800). */
  periodSeconds: number;
}

/** `HPAScalingRules`: the rules of one direction. */
export interface ScalingRules {
  /** How far back recommendations are considered, seconds (0..3600). */
  stabilizationWindowSeconds: number;
  /** Which policy wins: Max (largest change), Min (smallest change) or Disabled. */
  selectPolicy: "Max" | "Min" | "Disabled";
  /** At least one policy. */
  policies: ScalingPolicy[];
  /** Tolerance for this direction (KEP-4951); absent means the spec's `tolerance`. */
  tolerance?: number;
}

/** `HorizontalPodAutoscalerBehavior`. */
export interface Behavior {
  /** Rules for scaling up. */
  scaleUp: ScalingRules;
  /** Rules for scaling down. */
  scaleDown: ScalingRules;
}

/** autoscaling/v2 scale-up default: no window, max(4 pods, 100%) per 15 s. */
export const DEFAULT_SCALE_UP: Readonly<ScalingRules> = Object.freeze({
  stabilizationWindowSeconds: 0,
  selectPolicy: "Max",
  policies: Object.freeze([
    Object.freeze({ type: "Pods", value: 4, periodSeconds: 15 }),
    Object.freeze({ type: "Percent", value: 100, periodSeconds: 15 }),
  ]) as ScalingPolicy[],
});

/** autoscaling/v2 scale-down default: 300 s window, 100% per 15 s. */
export const DEFAULT_SCALE_DOWN: Readonly<ScalingRules> = Object.freeze({
  stabilizationWindowSeconds: 300,
  selectPolicy: "Max",
  policies: Object.freeze([
    Object.freeze({ type: "Percent", value: 100, periodSeconds: 15 }),
  ]) as ScalingPolicy[],
});

/** A fresh copy of the autoscaling/v2 default behavior. */
export function defaultBehavior(): Behavior {
  const copy = (r: Readonly<ScalingRules>): ScalingRules => ({
    ...r,
    policies: r.policies.map((p) => ({ ...p })),
  });
  return { scaleUp: copy(DEFAULT_SCALE_UP), scaleDown: copy(DEFAULT_SCALE_DOWN) };
}

/** A raw (pre-normalisation) recommendation and when it was made. */
export interface Recommendation {
  /** Seconds. */
  at: number;
  /** The proposed replica count. */
  replicas: number;
}

/** A scale taken as applied: `change` > 0 added replicas, < 0 removed them. */
export interface ScaleEvent {
  /** Seconds. */
  at: number;
  /** Signed replica change. */
  change: number;
}

/** History the behavior keeps between calls. */
export interface BehaviorState {
  /** Raw recommendations within the longer stabilisation window. */
  recommendations: Recommendation[];
  /** Scale events within the longest policy period. */
  scaleEvents: ScaleEvent[];
}

/**
 * The history of a fresh autoscaler: one recommendation of the current count at `now`, as
 * `recordInitialRecommendation` seeds it, so that a restart does not scale down before a full
 * scale-down window has been seen.
 */
export function initialBehaviorState(now: number, currentReplicas: number): BehaviorState {
  return { recommendations: [{ at: now, replicas: currentReplicas }], scaleEvents: [] };
}

/** What normalisation needs besides the history. */
export interface NormalizeContext {
  /** Seconds. */
  now: number;
  /** Replicas now. */
  currentReplicas: number;
  /** Lower bound, applied last. */
  minReplicas: number;
  /** Upper bound, applied last. */
  maxReplicas: number;
  /** Stabilisation and rate rules. */
  behavior: Behavior;
}

/** The normalisation step that bound a result. */
export type NormalizeReason =
  | "ScaleUpStabilized"
  | "ScaleDownStabilized"
  | "ScaleUpLimit"
  | "ScaleDownLimit"
  | "TooManyReplicas"
  | "TooFewReplicas";

/** A normalised recommendation. */
export interface Normalized {
  /** Replicas after stabilisation, rate limits and the clamp. */
  desired: number;
  /** The step that changed the proposal last, or `null` when none did. */
  reason: NormalizeReason | null;
  /** The history with this recommendation (and scale event, if any) recorded and pruned. */
  state: BehaviorState;
}

/**
 * Stabilised recommendation: the current count raised to the lowest recommendation within the
 * scale-up window and lowered to the highest within the scale-down window (the proposal itself
 * counts in both).
 */
export function stabilize(
  recommendations: readonly Recommendation[],
  proposal: number,
  ctx: NormalizeContext,
): number {
  const upCutoff = ctx.now - ctx.behavior.scaleUp.stabilizationWindowSeconds;
  const downCutoff = ctx.now - ctx.behavior.scaleDown.stabilizationWindowSeconds;
  let up = proposal;
  let down = proposal;
  for (const rec of recommendations) {
    if (rec.at > upCutoff && rec.replicas < up) up = rec.replicas;
    if (rec.at > downCutoff && rec.replicas > down) down = rec.replicas;
  }
  let result = ctx.currentReplicas;
  if (result < up) result = up;
  if (result > down) result = down;
  return result;
}

/** Replicas added (`sign` 1) or removed (`sign` -1) by events within the last `periodSeconds`. */
function changeInPeriod(
  events: readonly ScaleEvent[],
  now: number,
  periodSeconds: number,
  sign: 1 | -1,
): number {
  const cutoff = now - periodSeconds;
  let total = 0;
  for (const e of events) if (e.at > cutoff && e.change * sign > 0) total += e.change * sign;
  return total;
}

/** Highest count the scale-up rules allow now (may be below the current count). */
export function scaleUpLimit(
  events: readonly ScaleEvent[],
  rules: ScalingRules,
  ctx: Pick<NormalizeContext, "now" | "currentReplicas">,
): number {
  if (rules.selectPolicy === "Disabled") return ctx.currentReplicas;
  const pickMin = rules.selectPolicy === "Min";
  let result = pickMin ? Infinity : -Infinity;
  for (const p of rules.policies) {
    const start = ctx.currentReplicas - changeInPeriod(events, ctx.now, p.periodSeconds, 1) +
      changeInPeriod(events, ctx.now, p.periodSeconds, -1);
    const proposed = p.type === "Pods" ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pickMin ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

/** Lowest count the scale-down rules allow now (may be above the current count). */
export function scaleDownLimit(
  events: readonly ScaleEvent[],
  rules: ScalingRules,
  ctx: Pick<NormalizeContext, "now" | "currentReplicas">,
): number {
  if (rules.selectPolicy === "Disabled") return ctx.currentReplicas;
  const pickMin = rules.selectPolicy === "Min"; // the smallest change is the highest count
  let result = pickMin ? -Infinity : Infinity;
  for (const p of rules.policies) {
    const start = ctx.currentReplicas - changeInPeriod(events, ctx.now, p.periodSeconds, 1) +
      changeInPeriod(events, ctx.now, p.periodSeconds, -1);
    const proposed = p.type === "Pods" ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pickMin ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

function longestPeriod(behavior: Behavior): number {
  let longest = 0;
  for (const p of behavior.scaleUp.policies) longest = Math.max(longest, p.periodSeconds);
  for (const p of behavior.scaleDown.policies) longest = Math.max(longest, p.periodSeconds);
  return longest;
}

/**
 * Records `from → to` as applied at `now` (nothing when they are equal) and drops events no
 * policy can count any more.
 */
export function recordScaleEvent(
  events: readonly ScaleEvent[],
  change: { from: number; to: number },
  ctx: Pick<NormalizeContext, "now" | "behavior">,
): ScaleEvent[] {
  const cutoff = ctx.now - longestPeriod(ctx.behavior);
  const kept = events.filter((e) => e.at > cutoff);
  if (change.to !== change.from) kept.push({ at: ctx.now, change: change.to - change.from });
  return kept;
}

/**
 * Normalises a raw proposal in the fixed order stabilisation window → rate limits → min/max
 * clamp, records the proposal as a recommendation and, when the result differs from the current
 * count, a scale event at `now`.
 */
export function normalize(
  state: BehaviorState,
  proposal: number,
  ctx: NormalizeContext,
): Normalized {
  const current = ctx.currentReplicas;
  const stabilized = stabilize(state.recommendations, proposal, ctx);
  let rated = stabilized;
  if (stabilized > current) {
    const limit = Math.max(current, scaleUpLimit(state.scaleEvents, ctx.behavior.scaleUp, ctx));
    rated = Math.min(stabilized, limit);
  } else if (stabilized < current) {
    const limit = Math.min(
      current,
      scaleDownLimit(state.scaleEvents, ctx.behavior.scaleDown, ctx),
    );
    rated = Math.max(stabilized, limit);
  }
  const desired = clamp(rated, ctx.minReplicas, ctx.maxReplicas);

  let reason: NormalizeReason | null = null;
  if (desired !== rated) {
    reason = desired < rated ? "TooManyReplicas" : "TooFewReplicas";
  } else if (rated !== stabilized) {
    if (stabilized > current) {
      reason = desired === ctx.maxReplicas ? "TooManyReplicas" : "ScaleUpLimit";
    } else reason = desired === ctx.minReplicas ? "TooFewReplicas" : "ScaleDownLimit";
  } else if (stabilized !== proposal) {
    reason = proposal >= current ? "ScaleUpStabilized" : "ScaleDownStabilized";
  }

  const keepFrom = ctx.now - Math.max(
    ctx.behavior.scaleUp.stabilizationWindowSeconds,
    ctx.behavior.scaleDown.stabilizationWindowSeconds,
  );
  const recommendations = state.recommendations.filter((r) => r.at > keepFrom);
  recommendations.push({ at: ctx.now, replicas: proposal });
  const scaleEvents = recordScaleEvent(state.scaleEvents, { from: current, to: desired }, ctx);
  return { desired, reason, state: { recommendations, scaleEvents } };
}
