/**
 * The simulated metrics pipeline: what a policy sees. Every scrape interval it snapshots the
 * counters and gauges; at a tick the autoscaler builds its {@link Observation} from the latest
 * snapshot: rates over the rate window, the p95 by `histogram_quantile`, queue and in-flight
 * gauges, and each pod's CPU as metrics-server reports it. Each field's definition:
 * lib/sim/README.md.
 *
 * @module
 */
import { LATENCY_BUCKETS } from "../metrics/mod.ts";
import type { Observation, PodObservation } from "../policy/mod.ts";
import type { SimCluster } from "./cluster.ts";
import type { ResolvedConfig } from "./config.ts";
import { histogramQuantile } from "./histogram.ts";
import type { Recorder } from "./recorder.ts";
import { DRAINING, FREE, READY } from "./replicas.ts";

const NB = LATENCY_BUCKETS.length + 1;

/** Scrape snapshots and the observation built from them. */
export class MetricsPipeline {
  #count = 0;
  readonly #k: number;
  readonly #w: number;
  readonly #time: Float64Array;
  readonly #arrivals: Float64Array;
  readonly #answered: Float64Array;
  readonly #buckets: Float64Array;
  #queue = 0;
  #inFlight = 0;
  readonly #kc: number;
  readonly #wc: number;
  #cpu = new Float64Array(0);
  #snapGen = new Int32Array(0);
  #first = new Int32Array(0);
  readonly #diff = new Float64Array(NB);

  /** A pipeline over `cluster` and `rec` with the config's intervals and windows. */
  constructor(
    private readonly config: ResolvedConfig,
    private readonly cluster: SimCluster,
    private readonly rec: Recorder,
  ) {
    const m = config.metrics;
    this.#w = Math.max(1, Math.round(m.rateWindowSeconds / m.scrapeIntervalSeconds));
    this.#k = this.#w + 1;
    this.#time = new Float64Array(this.#k);
    this.#arrivals = new Float64Array(this.#k);
    this.#answered = new Float64Array(this.#k);
    this.#buckets = new Float64Array(this.#k * NB);
    this.#wc = Math.round(m.cpuWindowSeconds / m.scrapeIntervalSeconds);
    this.#kc = this.#wc + 1;
  }

  /** Takes a scrape at `now`. */
  scrape(now: number): void {
    const i = this.#count++, slot = i % this.#k, t = this.rec.totals;
    this.#time[slot] = now;
    this.#arrivals[slot] = t.arrivals;
    this.#answered[slot] = t.served + t.failed;
    let cum = 0;
    for (let b = 0; b < NB; b++) {
      cum += this.rec.promCounts[b];
      this.#buckets[slot * NB + b] = cum;
    }
    this.#queue = this.cluster.queueLength(now);
    this.#inFlight = this.cluster.atReplicas;
    const table = this.cluster.table;
    if (this.#snapGen.length < table.capacity) this.#growCpu(table.capacity);
    for (let r = 0; r < table.used; r++) {
      if (table.state[r] === FREE) continue;
      if (this.#snapGen[r] !== table.gen[r]) {
        this.#snapGen[r] = table.gen[r];
        this.#first[r] = i;
      }
      this.#cpu[r * this.#kc + (i % this.#kc)] = this.cluster.cpuSeconds(r, now);
    }
  }

  /** The observation a tick at `now` sees, for a scale target of `currentReplicas`. */
  observation(now: number, currentReplicas: number): Observation {
    const obs: Observation = { now, currentReplicas, pods: this.#pods() };
    const last = this.#count - 1;
    if (last < 0) return obs;
    obs.queueLength = this.#queue;
    obs.inFlight = this.#inFlight;
    const back = Math.min(this.#w, last);
    if (back === 0) return obs;
    const a = last % this.#k, b = (last - back) % this.#k;
    const span = this.#time[a] - this.#time[b];
    if (!(span > 0)) return obs;
    obs.arrivalRatePerSecond = (this.#arrivals[a] - this.#arrivals[b]) / span;
    obs.throughputPerSecond = (this.#answered[a] - this.#answered[b]) / span;
    for (let j = 0; j < NB; j++) {
      this.#diff[j] = this.#buckets[a * NB + j] - this.#buckets[b * NB + j];
    }
    const p95 = histogramQuantile(0.95, LATENCY_BUCKETS, this.#diff);
    if (Number.isFinite(p95)) obs.p95LatencySeconds = p95;
    return obs;
  }

  #pods(): PodObservation[] {
    const table = this.cluster.table, cal = this.config.calibration;
    const last = this.#count - 1, at = last >= 0 ? this.#time[last % this.#k] : 0;
    const window = this.config.metrics.cpuWindowSeconds;
    const pods: PodObservation[] = [];
    for (let r = 0; r < table.used; r++) {
      const state = table.state[r];
      if (state === FREE) continue;
      const pod: PodObservation = {
        phase: "Running",
        ready: state === READY,
        deleting: state === DRAINING,
        startTime: table.created[r],
        readyTransitionTime: state === READY ? table.readyAt[r] : table.created[r],
        cpuRequestMilli: cal.cpuRequestMilli,
      };
      if (last >= 0 && this.#snapGen[r] === table.gen[r]) {
        let cpu = this.#cpu[r * this.#kc + (last % this.#kc)], span: number;
        if (last - this.#first[r] >= this.#wc) {
          cpu -= this.#cpu[r * this.#kc + ((last - this.#wc) % this.#kc)];
          span = window;
        } else span = at - Math.max(table.created[r], 0);
        if (span > 0) {
          const milli = cal.idleCpuMilli + (cpu / span) * 1000;
          pod.cpuUsageMilli = Math.round(Math.min(cal.cpuLimitMilli, milli));
          pod.metricTimestamp = at;
          pod.metricWindowSeconds = span;
        }
      }
      pods.push(pod);
    }
    return pods;
  }

  #growCpu(capacity: number): void {
    const cpu = new Float64Array(capacity * this.#kc);
    cpu.set(this.#cpu);
    const gen = new Int32Array(capacity).fill(-1);
    gen.set(this.#snapGen);
    const first = new Int32Array(capacity);
    first.set(this.#first);
    this.#cpu = cpu;
    this.#snapGen = gen;
    this.#first = first;
  }
}
