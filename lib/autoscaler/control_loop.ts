/**
 * One control-loop tick: collect → decide → actuate. The loop itself and its clock live in
 * lib/autoscaler/run.ts; a tick gets `now` (seconds) and the previous {@link LoopState}, and
 * yields one {@link TickRecord}, the JSONL decision log line. Missing metrics hold the current
 * count (never the minimum) with the policy's history untouched; after an actuator error the
 * next attempts back off exponentially. Both rules in lib/autoscaler/README.md.
 *
 * @module
 */
import type { Actuator, ActuatorPod } from "../actuator/mod.ts";
import type { MetricField, MetricReading, MetricSource } from "../metrics/mod.ts";
import {
  evaluate,
  InputError,
  type Observation,
  type PodObservation,
  type PolicyName,
} from "../policy/mod.ts";

/** The fields each policy cannot decide without. */
export const REQUIRED_FIELDS: Record<PolicyName, readonly MetricField[]> = {
  "hpa": ["podCpu"],
  "cpa-seed": ["p95LatencySeconds"],
  "cpa": ["arrivalRatePerSecond", "queueLength"],
  "kpa": ["queueLength", "inFlight"],
  "queue": ["queueLength", "inFlight"],
};

/** What a tick carries over to the next. */
export interface LoopState {
  /** The policy's own state (passed back unchanged). */
  policyState: unknown;
  /** Consecutive actuator failures. */
  failures: number;
  /** No actuation before this time, seconds. */
  retryAt: number;
}

/** The initial state. */
export const INITIAL_LOOP_STATE: LoopState = {
  policyState: undefined,
  failures: 0,
  retryAt: -Infinity,
};

/** What a tick needs. */
export interface TickDeps {
  /** Policy name. */
  policy: PolicyName;
  /** Policy spec (partial; defaults filled by evaluate); its min/max are the loop's bounds. */
  spec: Record<string, unknown>;
  /** Where metrics come from. */
  source: MetricSource;
  /** What is scaled. */
  actuator: Actuator;
  /** Actuator backoff, seconds. */
  backoff: { baseS: number; maxS: number };
  /** Rate window of the CPU metric, seconds. */
  windowS: number;
  /** Decide but never actuate (the CPA API's `dry_run=true`). */
  dryRun?: boolean;
}

/** One decision log line. */
export interface TickRecord {
  /** Tick time, seconds since the epoch. */
  now: number;
  /** Policy name. */
  policy: PolicyName;
  /** Replicas before. */
  current: number | null;
  /** Replicas decided (`current` on a hold). */
  desired: number | null;
  /** Decision reason (policy token, or `MetricsUnavailable`, `MetricsPartial`, ...). */
  reason: string;
  /** The observation the policy saw (pods summarised as `{name, ready, cpuUsageMilli}`). */
  inputs: Record<string, unknown>;
  /** Fields missing, targets down, query errors. */
  missing: string[];
  /** Targets down. */
  down: string[];
  /** Query/actuator error messages. */
  errors: string[];
  /** `scaled`, `unchanged`, `dry-run`, `backoff`, `failed` or `skipped` (no decision). */
  actuation: "scaled" | "unchanged" | "dry-run" | "backoff" | "failed" | "skipped";
  /** True when the tick counted as a metric error. */
  metricError: boolean;
}

/** Why the tick must hold, or `undefined` when the reading is complete for `policy`. */
export function holdReason(policy: PolicyName, reading: MetricReading): string | undefined {
  const required = REQUIRED_FIELDS[policy];
  const missing = required.filter((f) => reading.missing.includes(f));
  if (missing.length === required.length) return "MetricsUnavailable";
  if (missing.length > 0 || reading.down.length > 0) return "MetricsPartial";
  return undefined;
}

/** The window a pod's CPU rate covers: the rate window, or the pod's age when it is younger. */
function sampleWindow(windowS: number, age: number): number {
  return age > 0 && age < windowS ? age : windowS;
}

/** The policy observation from a reading and the actuator's view. */
export function buildObservation(
  reading: MetricReading,
  target: { now: number; current: number; pods?: ActuatorPod[]; windowS: number },
): Observation {
  const { values } = reading;
  const observation: Observation = { now: target.now, currentReplicas: target.current };
  for (const [k, v] of Object.entries(values)) {
    if (v !== undefined && Number.isFinite(v)) {
      (observation as unknown as Record<string, number>)[k] = Math.max(0, v);
    }
  }
  if (target.pods) {
    observation.pods = target.pods.map((p): PodObservation => {
      const cores = reading.podCpuCores[p.instance] ?? reading.podCpuCores[p.name];
      return {
        name: p.name,
        phase: p.phase,
        ready: p.ready,
        deleting: p.deleting,
        startTime: p.startTime,
        readyTransitionTime: p.readyTransitionTime,
        cpuRequestMilli: p.cpuRequestMilli,
        ...(cores === undefined ? {} : { cpuUsageMilli: Math.max(0, cores * 1000) }),
        metricTimestamp: target.now,
        // A rate over a pod younger than the window covers only its life (as metrics-server's
        // first sample of a new pod does); hpa's readiness rules compare the window with it.
        metricWindowSeconds: sampleWindow(target.windowS, target.now - p.startTime),
      };
    });
  }
  return observation;
}

function summarise(observation: Observation): Record<string, unknown> {
  const { pods, ...rest } = observation;
  return {
    ...rest,
    ...(pods
      ? {
        pods: pods.map((p) => ({
          name: p.name,
          ready: p.ready !== false && p.deleting !== true,
          cpuUsageMilli: p.cpuUsageMilli,
        })),
      }
      : {}),
  };
}

function emptyRecord(now: number, policy: PolicyName): TickRecord {
  return {
    now,
    policy,
    current: null,
    desired: null,
    reason: "",
    inputs: {},
    missing: [],
    down: [],
    errors: [],
    actuation: "skipped",
    metricError: false,
  };
}

/** The metric reading at `now`; a failed source reads as every required field missing. */
async function collect(deps: TickDeps, now: number): Promise<MetricReading> {
  try {
    return await deps.source.read(now);
  } catch (err) {
    return {
      values: {},
      podCpuCores: {},
      missing: [...REQUIRED_FIELDS[deps.policy]],
      down: [],
      errors: [(err as Error).message],
    };
  }
}

/** Scales to `desired` unless unchanged, dry-run or backing off; failures start a backoff. */
async function actuate(
  deps: TickDeps,
  record: TickRecord,
  next: LoopState,
  desired: number,
): Promise<LoopState> {
  if (desired === record.current) {
    record.actuation = "unchanged";
    return next;
  }
  if (deps.dryRun) {
    record.actuation = "dry-run";
    return next;
  }
  if (record.now < next.retryAt) {
    record.actuation = "backoff";
    return next;
  }
  try {
    await deps.actuator.scale(desired);
    record.actuation = "scaled";
    return { ...next, failures: 0, retryAt: -Infinity };
  } catch (err) {
    const failures = next.failures + 1;
    const wait = Math.min(deps.backoff.maxS, deps.backoff.baseS * 2 ** (failures - 1));
    record.actuation = "failed";
    const why = (err as Error).message;
    record.errors.push(`scaling to ${desired} failed (retry in ${wait} s): ${why}`);
    return { ...next, failures, retryAt: record.now + wait };
  }
}

/** Runs one tick at `now` (seconds) from `state`; never rejects. */
export async function tick(
  deps: TickDeps,
  state: LoopState,
  now: number,
): Promise<{ record: TickRecord; state: LoopState }> {
  const record = emptyRecord(now, deps.policy);
  let current: number, pods: ActuatorPod[] | undefined;
  try {
    [current, pods] = await Promise.all([deps.actuator.current(), deps.actuator.pods()]);
  } catch (err) {
    record.reason = "ActuatorUnavailable";
    const why = (err as Error).message;
    record.errors.push(`reading the ${deps.actuator.kind} actuator failed: ${why}`);
    return { record, state };
  }
  record.current = record.desired = current;
  const reading = await collect(deps, now);
  record.missing = reading.missing;
  record.down = reading.down;
  record.errors.push(...reading.errors);
  const observation = buildObservation(reading, { now, current, pods, windowS: deps.windowS });
  record.inputs = summarise(observation);
  const hold = holdReason(deps.policy, reading);
  if (hold) {
    record.reason = hold;
    record.metricError = true;
    return { record, state };
  }
  let decision;
  try {
    decision = evaluate({
      policy: deps.policy,
      spec: deps.spec,
      observation,
      state: state.policyState,
    });
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    record.reason = "InvalidObservation";
    record.errors.push(err.message);
    record.metricError = true;
    return { record, state };
  }
  record.desired = decision.targetReplicas;
  record.reason = decision.reason;
  const next: LoopState = { ...state, policyState: decision.state };
  return { record, state: await actuate(deps, record, next, decision.targetReplicas) };
}
