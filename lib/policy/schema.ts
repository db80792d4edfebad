/**
 * Validation schemas (zod) for the `autoscaler.ts evaluate` input: one spec schema per policy,
 * which also fills in the documented defaults, the observation and the state of each policy.
 *
 * Specs and states are strict (an unknown key is an error: a misspelt field must not be
 * silently ignored); observations are not (a caller may send metrics some policy does not use).
 * In observations `null` is read as absent.
 *
 * @module
 */
import { z } from "zod";
import type { Behavior, ScalingRules } from "./behavior.ts";
import { CPA_DEFAULTS, type CpaSpec, type CpaState } from "./cpa.ts";
import { CPA_SEED_DEFAULTS, type CpaSeedSpec, type CpaSeedState } from "./cpa_seed.ts";
import { HPA_DEFAULTS, type HpaSpec, type HpaState } from "./hpa.ts";
import { KPA_DEFAULTS, type KpaSpec, type KpaState } from "./kpa.ts";
import { QUEUE_DEFAULTS, type QueueSpec, type QueueState } from "./queue_length.ts";
import type { Observation, ReplicaBounds } from "./types.ts";

const count = z.number().int().min(0);
const seconds = z.number().min(0);
const positive = z.number().positive();

function optional<T extends z.ZodType>(schema: T) {
  return schema.nullish().transform((v) => v ?? undefined);
}

const scalingPolicy = z.strictObject({
  type: z.enum(["Pods", "Percent"]),
  value: z.number().int().positive(),
  periodSeconds: z.number().int().min(1).max(1800),
});

function scalingRules(d: Readonly<ScalingRules>) {
  return z.strictObject({
    stabilizationWindowSeconds: z.number().int().min(0).max(3600)
      .default(d.stabilizationWindowSeconds),
    selectPolicy: z.enum(["Max", "Min", "Disabled"]).default(d.selectPolicy),
    policies: z.array(scalingPolicy).min(1).default(() => d.policies.map((p) => ({ ...p }))),
    tolerance: z.number().min(0).optional(),
  });
}

function behavior(d: Readonly<Behavior>) {
  return z.strictObject({
    scaleUp: scalingRules(d.scaleUp).prefault({}),
    scaleDown: scalingRules(d.scaleDown).prefault({}),
  }).prefault({});
}

function bounds(d: ReplicaBounds) {
  return {
    minReplicas: count.default(d.minReplicas),
    maxReplicas: z.number().int().min(1).default(d.maxReplicas),
  };
}

/** Adds the cross-field check min ≤ max to a spec schema. */
function checked<T extends z.ZodType<ReplicaBounds>>(schema: T): T {
  return schema.superRefine((spec, ctx) => {
    if (spec.minReplicas > spec.maxReplicas) {
      ctx.addIssue({
        code: "custom",
        path: ["minReplicas"],
        message:
          `minReplicas (${spec.minReplicas}) must not exceed maxReplicas (${spec.maxReplicas})`,
      });
    }
  });
}

/** `hpa` spec with defaults. */
export const hpaSpec: z.ZodType<HpaSpec, unknown> = checked(z.strictObject({
  ...bounds(HPA_DEFAULTS),
  targetCPUUtilizationPercentage: z.number().int().min(1)
    .default(HPA_DEFAULTS.targetCPUUtilizationPercentage),
  tolerance: z.number().min(0).default(HPA_DEFAULTS.tolerance),
  cpuInitializationPeriodSeconds: seconds.default(HPA_DEFAULTS.cpuInitializationPeriodSeconds),
  initialReadinessDelaySeconds: seconds.default(HPA_DEFAULTS.initialReadinessDelaySeconds),
  behavior: behavior(HPA_DEFAULTS.behavior),
}));

/** `cpa-seed` spec with defaults. */
export const cpaSeedSpec: z.ZodType<CpaSeedSpec, unknown> = checked(z.strictObject({
  ...bounds(CPA_SEED_DEFAULTS),
  targetLatencySeconds: positive.default(CPA_SEED_DEFAULTS.targetLatencySeconds),
}));

/** `cpa` spec with defaults. */
export const cpaSpec: z.ZodType<CpaSpec, unknown> = checked(z.strictObject({
  ...bounds(CPA_DEFAULTS),
  targetLatencySeconds: positive.default(CPA_DEFAULTS.targetLatencySeconds),
  headroom: z.number().min(0).lt(1).default(CPA_DEFAULTS.headroom),
  serviceRatePerReplica: positive.default(CPA_DEFAULTS.serviceRatePerReplica),
  serviceTimeSeconds: positive.optional(),
  learnServiceRate: z.boolean().default(CPA_DEFAULTS.learnServiceRate),
  learningRate: z.number().positive().max(1).default(CPA_DEFAULTS.learningRate),
  settleSeconds: seconds.default(CPA_DEFAULTS.settleSeconds),
  forecastSeconds: seconds.default(CPA_DEFAULTS.forecastSeconds),
  rateWindowSeconds: positive.default(CPA_DEFAULTS.rateWindowSeconds),
  maxForecastFactor: z.number().min(1).default(CPA_DEFAULTS.maxForecastFactor),
  recentBlend: z.number().min(0).max(1).default(CPA_DEFAULTS.recentBlend),
  burstWindowSeconds: seconds.default(CPA_DEFAULTS.burstWindowSeconds),
  burstDeviationsPerHeadroom: z.number().min(0).default(CPA_DEFAULTS.burstDeviationsPerHeadroom),
  drainSeconds: positive.default(CPA_DEFAULTS.drainSeconds),
  maxCorrection: z.number().min(1).default(CPA_DEFAULTS.maxCorrection),
  correctionHalfLifeSeconds: positive.default(CPA_DEFAULTS.correctionHalfLifeSeconds),
  behavior: behavior(CPA_DEFAULTS.behavior),
}));

/** `kpa` spec with defaults. */
export const kpaSpec: z.ZodType<KpaSpec, unknown> = checked(z.strictObject({
  ...bounds(KPA_DEFAULTS),
  targetConcurrencyPerReplica: positive.default(KPA_DEFAULTS.targetConcurrencyPerReplica),
  stableWindowSeconds: positive.default(KPA_DEFAULTS.stableWindowSeconds),
  panicWindowSeconds: positive.default(KPA_DEFAULTS.panicWindowSeconds),
  panicThresholdPercentage: positive.default(KPA_DEFAULTS.panicThresholdPercentage),
  maxScaleUpRate: z.number().gt(1).default(KPA_DEFAULTS.maxScaleUpRate),
  maxScaleDownRate: z.number().gt(1).default(KPA_DEFAULTS.maxScaleDownRate),
}));

/** `queue` spec with defaults. */
export const queueSpec: z.ZodType<QueueSpec, unknown> = checked(z.strictObject({
  ...bounds(QUEUE_DEFAULTS),
  targetPerReplica: positive.default(QUEUE_DEFAULTS.targetPerReplica),
  tolerance: z.number().min(0).default(QUEUE_DEFAULTS.tolerance),
  behavior: behavior(QUEUE_DEFAULTS.behavior),
}));

const pod = z.object({
  name: optional(z.string()),
  phase: optional(z.enum(["Pending", "Running", "Succeeded", "Failed", "Unknown"])),
  ready: optional(z.boolean()),
  deleting: optional(z.boolean()),
  startTime: optional(z.number()),
  readyTransitionTime: optional(z.number()),
  cpuRequestMilli: optional(positive),
  cpuUsageMilli: optional(z.number().min(0)),
  metricTimestamp: optional(z.number()),
  metricWindowSeconds: optional(positive),
});

/** An observation (every policy). */
export const observation: z.ZodType<Observation, unknown> = z.object({
  now: z.number(),
  currentReplicas: count,
  pods: optional(z.array(pod)),
  p95LatencySeconds: optional(z.number().min(0)),
  arrivalRatePerSecond: optional(z.number().min(0)),
  throughputPerSecond: optional(z.number().min(0)),
  queueLength: optional(z.number().min(0)),
  inFlight: optional(z.number().min(0)),
  concurrency: optional(z.number().min(0)),
});

/** An `hpa` observation: `pods` is required and every pod needs `cpuRequestMilli`. */
export const hpaObservation: z.ZodType<Observation, unknown> = z.object({
  now: z.number(),
  currentReplicas: count,
  pods: z.array(pod.extend({ cpuRequestMilli: positive })),
});

const behaviorStateShape = {
  recommendations: z.array(z.strictObject({ at: z.number(), replicas: count })),
  scaleEvents: z.array(z.strictObject({ at: z.number(), change: z.number().int() })),
};

/** `hpa` state. */
export const hpaState: z.ZodType<HpaState, unknown> = z.strictObject(behaviorStateShape);

/** `queue` state. */
export const queueState: z.ZodType<QueueState, unknown> = z.strictObject(behaviorStateShape);

/** `cpa-seed` state (always empty). */
export const cpaSeedState: z.ZodType<CpaSeedState, unknown> = z.strictObject({});

/** `cpa` state. */
export const cpaState: z.ZodType<CpaState, unknown> = z.strictObject({
  ...behaviorStateShape,
  serviceRate: positive.nullable(),
  slowdown: z.number().min(1),
  updatedAt: z.number().nullable(),
  // absent in a state saved before the forecast and the settle rule: read as fresh
  arrivalRate: z.number().min(0).nullable().default(null),
  // the rise of an earlier version's forecast: accepted and dropped
  riseFrom: z.unknown().optional().transform(() => undefined),
  intervals: z.array(
    z.strictObject({ at: z.number(), span: z.number().positive(), rate: z.number().min(0) }),
  ).default([]),
  ready: count.nullable().default(null),
  readySince: z.number().nullable().default(null),
});

/** `kpa` state. */
export const kpaState: z.ZodType<KpaState, unknown> = z.strictObject({
  samples: z.array(z.strictObject({ at: z.number(), value: z.number().min(0) })),
  panicSince: z.number().nullable(),
  maxPanicPods: count,
});
