/**
 * The policy evaluation contract of `autoscaler.ts evaluate`, as a pure function: validate
 * `{policy, spec, observation, state}`, fill in the spec defaults, dispatch to the policy's
 * `decide`, answer `{targetReplicas, reason, state}`.
 *
 * @example
 * ```ts
 * evaluate({ policy: "queue", observation: { now: 0, currentReplicas: 2, queueLength: 50 } });
 * // { targetReplicas: 5, reason: "AboveTarget", state: {...} }
 * ```
 *
 * @module
 */
import type { z } from "zod";
import * as cpa from "./cpa.ts";
import * as cpaSeed from "./cpa_seed.ts";
import * as hpa from "./hpa.ts";
import * as kpa from "./kpa.ts";
import * as queue from "./queue_length.ts";
import * as schema from "./schema.ts";
import type { Decision, Observation } from "./types.ts";

/** The policies `evaluate` knows, by name. */
export const POLICY_NAMES = ["hpa", "cpa-seed", "cpa", "kpa", "queue"] as const;

/** A policy name. */
export type PolicyName = typeof POLICY_NAMES[number];

/** Output of {@link evaluate}. */
export interface EvaluateOutput {
  /** The replica count to apply. */
  targetReplicas: number;
  /** The decision's reason token. */
  reason: string;
  /** The state to send with the next input. */
  state: unknown;
}

/** Bad input: the message names the field, what was expected and what was given. */
export class InputError extends Error {
  /** Always `"InputError"`. */
  override name = "InputError";
}

interface Entry<Spec, State> {
  spec: z.ZodType<Spec, unknown>;
  observation: z.ZodType<Observation, unknown>;
  state: z.ZodType<State, unknown>;
  decide(spec: Spec, state: State | undefined, observation: Observation): Decision<State>;
}

function entry<Spec, State>(e: Entry<Spec, State>): Entry<unknown, unknown> {
  return e as Entry<unknown, unknown>;
}

const POLICIES: Record<PolicyName, Entry<unknown, unknown>> = {
  "hpa": entry({
    spec: schema.hpaSpec,
    observation: schema.hpaObservation,
    state: schema.hpaState,
    decide: hpa.decide,
  }),
  "cpa-seed": entry({
    spec: schema.cpaSeedSpec,
    observation: schema.observation,
    state: schema.cpaSeedState,
    decide: cpaSeed.decide,
  }),
  "cpa": entry({
    spec: schema.cpaSpec,
    observation: schema.observation,
    state: schema.cpaState,
    decide: cpa.decide,
  }),
  "kpa": entry({
    spec: schema.kpaSpec,
    observation: schema.observation,
    state: schema.kpaState,
    decide: kpa.decide,
  }),
  "queue": entry({
    spec: schema.queueSpec,
    observation: schema.observation,
    state: schema.queueState,
    decide: queue.decide,
  }),
};

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function formatPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const key of path) {
    out += typeof key === "number" ? `[${key}]` : out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "input" : out;
}

function parse<T>(s: z.ZodType<T, unknown>, value: unknown, prefix: string): T {
  const result = s.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const issues = result.error.issues;
  const first = issues[0];
  const shown = first.code !== "unrecognized_keys" && first.code !== "custom" &&
    first.input !== undefined;
  let message = `${formatPath(prefix, first.path)}: ${first.message}`;
  if (shown) message += ` (got ${describe(first.input)})`;
  if (issues.length > 1) message += ` (and ${issues.length - 1} more)`;
  throw new InputError(message);
}

function isPolicyName(name: unknown): name is PolicyName {
  return typeof name === "string" && (POLICY_NAMES as readonly string[]).includes(name);
}

function policyName(name: unknown): PolicyName {
  if (isPolicyName(name)) return name;
  throw new InputError(`policy must be one of ${POLICY_NAMES.join(", ")}: got ${describe(name)}`);
}

/** The resolved spec type of each policy. */
export interface PolicySpecs {
  /** Kubernetes HPA on CPU. */
  "hpa": hpa.HpaSpec;
  /** The seed's latency rule. */
  "cpa-seed": cpaSeed.CpaSeedSpec;
  /** The latency-SLO queueing model. */
  "cpa": cpa.CpaSpec;
  /** Knative concurrency with panic mode. */
  "kpa": kpa.KpaSpec;
  /** KEDA-style backlog per replica. */
  "queue": queue.QueueSpec;
}

/**
 * The full spec of `policy` from a partial one (`undefined` means all defaults), e.g. for the
 * simulator; throws {@link InputError} when a field is invalid or unknown.
 */
export function resolveSpec<P extends PolicyName>(policy: P, spec?: unknown): PolicySpecs[P] {
  return parse(POLICIES[policyName(policy)].spec, spec ?? {}, "spec") as PolicySpecs[P];
}

/** A policy's `decide` on a resolved spec, without validation (for the simulator's ticks). */
export type Decide = (spec: never, state: unknown, observation: Observation) => Decision<unknown>;

/** Each policy's `decide`, by name. */
export const DECIDE: Record<PolicyName, Decide> = Object.fromEntries(
  POLICY_NAMES.map((name) => [name, POLICIES[name].decide as Decide]),
) as Record<PolicyName, Decide>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Validates an evaluate input, applies the policy's spec defaults and decides. `state` omitted,
 * `null` or `{}` starts a fresh history. Throws {@link InputError} on bad input.
 */
export function evaluate(input: unknown): EvaluateOutput {
  if (!isRecord(input)) throw new InputError(`input must be a JSON object: got ${describe(input)}`);
  const known = new Set(["policy", "spec", "observation", "state"]);
  const extra = Object.keys(input).filter((k) => !known.has(k));
  if (extra.length > 0) {
    throw new InputError(
      `input has unknown key ${describe(extra[0])}; expected policy, spec, observation, state`,
    );
  }
  const name = policyName(input.policy);
  const policy = POLICIES[name];
  const spec = parse(policy.spec, input.spec ?? {}, "spec");
  if (input.observation === undefined) throw new InputError("observation is required");
  const observation = parse(policy.observation, input.observation, "observation");
  const raw = input.state;
  const fresh = raw === undefined || raw === null ||
    (isRecord(raw) && Object.keys(raw).length === 0);
  const state = fresh ? undefined : parse(policy.state, raw, "state");
  const decision = policy.decide(spec, state, observation);
  return { targetReplicas: decision.desired, reason: decision.reason, state: decision.state };
}
