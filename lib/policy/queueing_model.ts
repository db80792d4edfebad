/**
 * M/M/c queueing formulas for the `cpa` policy: Erlang B and C, the waiting-time percentile, the
 * sojourn-time percentile approximation, and the fewest servers that meet a latency target.
 * λ (`arrivalRate`) and μ (`serviceRate`, per server) in requests per second; c servers are
 * stable when c > λ/μ. The formulas and why the approximation is safe: lib/policy/README.md.
 *
 * @module
 */

/** Erlang B blocking probability for `servers` servers offered `offered` Erlangs. */
export function erlangB(servers: number, offered: number): number {
  let b = 1;
  for (let k = 1; k <= servers; k++) b = (offered * b) / (k + offered * b);
  return b;
}

/** Erlang C probability of waiting; 1 when the system is unstable (servers ≤ offered). */
export function erlangC(servers: number, offered: number): number {
  if (servers <= offered) return 1;
  const b = erlangB(servers, offered);
  return b / (1 - (offered / servers) * (1 - b));
}

/** Inputs of the percentile formulas. */
export interface QueueModel {
  /** Servers (replicas), c. */
  servers: number;
  /** Arrivals per second, λ. */
  arrivalRate: number;
  /** Completions per second of one busy server, μ. */
  serviceRate: number;
  /** Time one request spends being served, seconds. */
  serviceTime: number;
  /** The percentile as a fraction, e.g. 0.95. */
  quantile: number;
}

/** Quantile of the M/M/c waiting time in queue; `Infinity` when unstable. */
export function waitQuantile(model: Omit<QueueModel, "serviceTime">): number {
  const { servers, arrivalRate, serviceRate, quantile } = model;
  if (arrivalRate <= 0) return 0;
  const spare = servers * serviceRate - arrivalRate;
  if (spare <= 0) return Infinity;
  const c = erlangC(servers, arrivalRate / serviceRate);
  const tail = 1 - quantile;
  return c <= tail ? 0 : Math.log(c / tail) / spare;
}

/** Approximate sojourn-time quantile: waiting-time quantile plus the service time. */
export function sojournQuantile(model: QueueModel): number {
  return waitQuantile(model) + model.serviceTime;
}

/** Result of {@link fewestServers}. */
export interface Sizing {
  /** The server count chosen. */
  servers: number;
  /**
   * `true` when the target is met; `false` when the service time alone exceeds it (then
   * `servers` is the fewest with P(wait) ≤ 1 − quantile, beyond which more servers cannot help).
   */
  feasible: boolean;
  /** No count up to `limit` works: `servers` is `limit`. */
  capped: boolean;
}

/**
 * Fewest servers whose sojourn quantile is at most `target`, searched upwards with the Erlang B
 * recurrence (one step per candidate) up to `limit`. No arrivals need no servers.
 */
export function fewestServers(
  model: Omit<QueueModel, "servers">,
  options: { target: number; limit: number },
): Sizing {
  const { arrivalRate: lambda, serviceRate: mu, serviceTime, quantile } = model;
  if (lambda <= 0) return { servers: 0, feasible: true, capped: false };
  const offered = lambda / mu;
  const tail = 1 - quantile;
  const budget = options.target - serviceTime;
  const feasible = budget >= 0;
  let b = 1;
  for (let c = 1; c <= options.limit; c++) {
    b = (offered * b) / (c + offered * b);
    if (c <= offered) continue;
    const waitProb = b / (1 - (offered / c) * (1 - b));
    if (waitProb <= tail) return { servers: c, feasible, capped: false };
    if (feasible && Math.log(waitProb / tail) / (c * mu - lambda) <= budget) {
      return { servers: c, feasible, capped: false };
    }
  }
  return { servers: options.limit, feasible, capped: true };
}

/**
 * The slowdown k ∈ [1, maxFactor] that makes the model reproduce an observed sojourn quantile at
 * the current server count, assuming each server is k times slower than modelled (rate μ/k,
 * service time s·k). 1 when the model already predicts at least `observed`; `maxFactor` when
 * even that slowdown predicts less. Found by bisection (the quantile grows with k).
 */
export function calibrateSlowdown(
  model: QueueModel,
  options: { observed: number; maxFactor: number },
): number {
  const at = (k: number) =>
    sojournQuantile({
      ...model,
      serviceRate: model.serviceRate / k,
      serviceTime: model.serviceTime * k,
    });
  if (at(1) >= options.observed) return 1;
  if (at(options.maxFactor) <= options.observed) return options.maxFactor;
  let lo = 1;
  let hi = options.maxFactor;
  for (let i = 0; i < 40 && hi - lo > 1e-6; i++) {
    const mid = (lo + hi) / 2;
    if (at(mid) < options.observed) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
