/**
 * Built-in workload shapes: synthetic request-rate curves, one rate per second. A shape is written
 * `NAME` or `NAME:key=value,key=value`, e.g. `sine:mean=50,amplitude=30,period=60`; the names are
 * {@link SHAPE_NAMES}, times are in seconds from the start. Each second's rate is the curve at the
 * second's midpoint (exact for piecewise-linear curves), clamped at 0. Every shape's parameters,
 * defaults and curve: lib/workload/README.md.
 *
 * @module
 */
import type { Rng } from "../shared/mod.ts";

/** The shape names. */
export const SHAPE_NAMES = ["constant", "step", "ramp", "sine", "spike", "bursty"] as const;

/** A shape name. */
export type ShapeName = typeof SHAPE_NAMES[number];

/** A parsed shape: its name and every parameter (defaults filled in except duration-relative). */
export interface ShapeSpec {
  /** Which curve. */
  name: ShapeName;
  /** Parameter values by key. */
  params: Record<string, number>;
}

interface ParamRule {
  required?: boolean;
  fallback?: number;
  positive?: boolean;
}

const RULES: Record<ShapeName, Record<string, ParamRule>> = {
  constant: { rate: { required: true } },
  step: { from: { required: true }, to: { required: true }, at: {} },
  ramp: { from: { required: true }, to: { required: true } },
  sine: {
    mean: { required: true },
    amplitude: { required: true },
    period: { fallback: 60, positive: true },
    phase: { fallback: 0 },
  },
  spike: {
    base: { required: true },
    peak: { required: true },
    at: {},
    width: { fallback: 10, positive: true },
  },
  bursty: {
    base: { required: true },
    peak: { required: true },
    on: { fallback: 5, positive: true },
    off: { fallback: 30, positive: true },
  },
};

/**
 * Parses `NAME[:key=value,...]`. Unknown shapes or keys, missing required keys and values that
 * are not finite numbers (or not > 0 for lengths) throw with the offending text.
 */
export function parseShape(text: string): ShapeSpec {
  const colon = text.indexOf(":");
  const name = (colon < 0 ? text : text.slice(0, colon)).trim();
  if (!(SHAPE_NAMES as readonly string[]).includes(name)) {
    throw new RangeError(`shape must be one of ${SHAPE_NAMES.join("|")}: got "${name}"`);
  }
  const rules = RULES[name as ShapeName];
  const params: Record<string, number> = {};
  const body = colon < 0 ? "" : text.slice(colon + 1);
  for (const part of body.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
    const eq = part.indexOf("=");
    const key = eq < 0 ? part : part.slice(0, eq).trim();
    if (!(key in rules)) {
      throw new RangeError(
        `shape ${name} has no parameter "${key}"; it takes ${Object.keys(rules).join(", ")}`,
      );
    }
    const value = Number(eq < 0 ? NaN : part.slice(eq + 1).trim());
    if (!Number.isFinite(value) || (rules[key].positive ? value <= 0 : false)) {
      const need = rules[key].positive ? "a number > 0" : "a finite number";
      throw new RangeError(`shape ${name} parameter ${key} must be ${need}: got "${part}"`);
    }
    params[key] = value;
  }
  for (const [key, rule] of Object.entries(rules)) {
    if (key in params) continue;
    if (rule.required) throw new RangeError(`shape ${name} needs ${key}=NUMBER: got "${text}"`);
    if (rule.fallback !== undefined) params[key] = rule.fallback;
  }
  return { name: name as ShapeName, params };
}

/**
 * Rates per second of a shape over `durationSeconds` whole seconds. `rng` is used by `bursty`
 * only (pass a generator seeded for the run, so the same seed gives the same bursts).
 */
export function shapeRates(spec: ShapeSpec, durationSeconds: number, rng: Rng): number[] {
  if (!Number.isInteger(durationSeconds) || durationSeconds < 1) {
    throw new RangeError(
      `shape duration must be a whole number of seconds ≥ 1: got ${durationSeconds}`,
    );
  }
  const p = spec.params;
  const at = p.at ?? durationSeconds / 2;
  const curve = curveOf(spec, durationSeconds, at, rng);
  return Array.from({ length: durationSeconds }, (_, k) => Math.max(0, curve(k + 0.5)));
}

function curveOf(spec: ShapeSpec, duration: number, at: number, rng: Rng): (t: number) => number {
  const p = spec.params;
  switch (spec.name) {
    case "constant":
      return () => p.rate;
    case "step":
      return (t) => (t < at ? p.from : p.to);
    case "ramp":
      return (t) => p.from + (p.to - p.from) * (t / duration);
    case "sine":
      return (t) => p.mean + p.amplitude * Math.sin((2 * Math.PI * (t + p.phase)) / p.period);
    case "spike":
      return (t) => (t >= at && t < at + p.width ? p.peak : p.base);
    case "bursty": {
      const bursts = burstIntervals(duration, p.on, p.off, rng);
      return (t) => (bursts.some(([s, e]) => t >= s && t < e) ? p.peak : p.base);
    }
  }
}

/** Alternating off/on periods with exponential lengths (means `off`, `on`), starting off. */
function burstIntervals(duration: number, on: number, off: number, rng: Rng): [number, number][] {
  const out: [number, number][] = [];
  let t = 0;
  while (t < duration) {
    t += -Math.log(1 - rng.uniform()) * off;
    const length = -Math.log(1 - rng.uniform()) * on;
    if (t < duration) out.push([t, t + length]);
    t += length;
  }
  return out;
}
