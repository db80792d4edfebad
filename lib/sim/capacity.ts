/**
 * The capacity model shared by the oracle: the highest steady arrival rate per replica at which
 * `n` replicas keep the SLO, measured with the simulator itself at a fixed replica count by
 * bisection on the rate, on a grid of counts interpolated linearly in log n (held past the grid).
 * Trials are long (≥ 300 s after a 60 s warm-up) because batching replicas near saturation are
 * metastable: why, in lib/sim/README.md.
 *
 * @module
 */
import { countsFromRates } from "../workload/mod.ts";
import { type Calibration, K8S_CALIBRATION, saturationRate } from "./calibration.ts";
import { DISPATCHER_DEFAULTS, type DispatcherModel } from "./config.ts";
import { runSimulation } from "./engine.ts";

/** What shapes capacity: the replica model, the dispatcher and the SLO. */
export interface CapacityModel {
  /** Replica model (default: the simulator's). */
  calibration?: Calibration;
  /** Dispatcher overrides. */
  dispatcher?: Partial<DispatcherModel>;
  /** SLO, seconds (default 0.5). */
  sloSeconds?: number;
}

/** Per-replica capacity at one replica count. */
export interface CapacityPoint {
  /** Replicas. */
  replicas: number;
  /** Highest arrival rate per replica that keeps the SLO, requests/s. */
  ratePerReplica: number;
}

/** Capacity on a grid of replica counts (ascending). */
export interface CapacityTable {
  /** The SLO, seconds. */
  sloSeconds: number;
  /** The quantile the SLO holds at (0.95: ≤ 5% of requests violate). */
  quantile: number;
  /** Measured points, ascending in replicas. */
  points: CapacityPoint[];
}

/** Options of {@link measureCapacity}. */
export interface MeasureOptions {
  /** Replica counts to measure (default 1, 2, 4, …, 64). */
  replicas?: number[];
  /** SLO quantile (default 0.95). */
  quantile?: number;
  /** Requests per trial run (default 200,000; a run lasts at least `minSeconds`). */
  requestsPerRun?: number;
  /** Shortest trial run after the warm-up, seconds (default 300). */
  minSeconds?: number;
  /** Seconds at the start of a trial that are not measured (default 60). */
  warmupSeconds?: number;
  /** Bisection steps (default 10: the rate to 0.1% of the saturation rate). */
  iterations?: number;
  /** Seed of every trial (default 1). */
  seed?: number;
}

/** The default grid of replica counts. */
export const DEFAULT_CAPACITY_GRID: readonly number[] = [1, 2, 4, 8, 16, 32, 64];

/**
 * Fraction of requests that violate the SLO when `replicas` fixed replicas get a steady
 * `ratePerReplica` each, measured after the warm-up.
 */
export function violationFraction(
  model: CapacityModel,
  trial: {
    replicas: number;
    ratePerReplica: number;
    seconds: number;
    warmup: number;
    seed: number;
  },
): number {
  const rate = trial.replicas * trial.ratePerReplica;
  const counts = countsFromRates(new Array(trial.seconds).fill(rate));
  const result = runSimulation({
    counts,
    seed: trial.seed,
    calibration: model.calibration,
    dispatcher: model.dispatcher,
    sloSeconds: model.sloSeconds,
    controller: { kind: "fixed" },
    initialReplicas: trial.replicas,
  });
  const s = result.series!;
  let bad = 0, ended = 0;
  for (let k = trial.warmup; k < trial.seconds; k++) {
    bad += s.late[k] + s.failed[k] + s.rejected[k];
    ended += s.served[k] + s.failed[k] + s.rejected[k];
  }
  return ended === 0 ? 0 : bad / ended;
}

/** Measures per-replica capacity on a grid of replica counts (see the module doc). */
export function measureCapacity(model: CapacityModel, options: MeasureOptions = {}): CapacityTable {
  const quantile = options.quantile ?? 0.95;
  if (!(quantile > 0 && quantile < 1)) {
    throw new RangeError(`capacity quantile must be in (0, 1): got ${quantile}`);
  }
  const grid = [...(options.replicas ?? DEFAULT_CAPACITY_GRID)].sort((a, b) => a - b);
  const maxBatch = model.dispatcher?.maxBatch ?? DISPATCHER_DEFAULTS.maxBatch;
  const saturation = saturationRate(model.calibration ?? K8S_CALIBRATION, maxBatch);
  const perRun = options.requestsPerRun ?? 200_000, minSeconds = options.minSeconds ?? 300;
  const warmup = options.warmupSeconds ?? 60, iterations = options.iterations ?? 10;
  const seed = options.seed ?? 1;
  const points = grid.map((replicas) => {
    if (!Number.isInteger(replicas) || replicas < 1) {
      throw new RangeError(`capacity grid entries must be whole numbers ≥ 1: got ${replicas}`);
    }
    const ok = (ratePerReplica: number) => {
      const seconds = Math.max(minSeconds, Math.ceil(perRun / (replicas * ratePerReplica)));
      const trial = { replicas, ratePerReplica, seconds: seconds + warmup, warmup, seed };
      return violationFraction(model, trial) <= 1 - quantile;
    };
    let lo = 0, hi = saturation;
    if (ok(hi)) return { replicas, ratePerReplica: hi };
    for (let i = 0; i < iterations; i++) {
      const mid = (lo + hi) / 2;
      if (ok(mid)) lo = mid;
      else hi = mid;
    }
    return { replicas, ratePerReplica: lo };
  });
  return { sloSeconds: model.sloSeconds ?? 0.5, quantile, points };
}

/** Per-replica capacity at `replicas`, interpolated in log n (held flat outside the grid). */
export function capacityAt(table: CapacityTable, replicas: number): number {
  const p = table.points;
  if (p.length === 0) throw new RangeError("capacity table has no points");
  if (replicas <= p[0].replicas) return p[0].ratePerReplica;
  for (let i = 1; i < p.length; i++) {
    if (replicas <= p[i].replicas) {
      const a = p[i - 1], b = p[i];
      const f = Math.log(replicas / a.replicas) / Math.log(b.replicas / a.replicas);
      return a.ratePerReplica + f * (b.ratePerReplica - a.ratePerReplica);
    }
  }
  return p[p.length - 1].ratePerReplica;
}

/** Fewest replicas whose total capacity covers `rate` (0 for no load), searched up to `limit`. */
export function replicasFor(table: CapacityTable, rate: number, limit = 100_000): number {
  if (!(rate > 0)) return 0;
  let lo = 1, hi = 1;
  while (hi * capacityAt(table, hi) < rate) {
    if (hi >= limit) return limit;
    lo = hi + 1;
    hi = Math.min(limit, hi * 2);
  }
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (mid * capacityAt(table, mid) >= rate) hi = mid;
    else lo = mid + 1;
  }
  return hi;
}
