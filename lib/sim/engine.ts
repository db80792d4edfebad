/**
 * `runSimulation`: one discrete-event run on a virtual clock (seconds from 0). Arrivals come
 * second by second from the workload's seeded generator, merged with the event heap (batches,
 * readiness, scrapes, ticks, actuations); events at one time run in the order scheduled, before
 * an arrival at that time. Requests left at the end are in flight, so arrivals = served + failed
 * + rejected + in flight. The order of events and the seeds: lib/sim/README.md.
 *
 * @module
 */
import { createRng, type Rng } from "../shared/mod.ts";
import { arrivalsInSecond } from "../workload/mod.ts";
import { createServiceSampler, createStartupSampler } from "./calibration.ts";
import { SimCluster } from "./cluster.ts";
import { resolveConfig, type ResolvedConfig, type SimConfig } from "./config.ts";
import { createPolicyController, type PolicyController, simSpec } from "./controller.ts";
import { EventHeap } from "./heap.ts";
import { MetricsPipeline } from "./pipeline.ts";
import { Recorder, type SecondSeries, type Totals } from "./recorder.ts";

const EV_SCRAPE = 10;
const EV_TICK = 11;
const EV_ACTUATE = 12;

/** The outcome of one run. */
export interface SimResult {
  /** Length of the run, seconds. */
  seconds: number;
  /** Request counts. */
  totals: Totals;
  /** Requests still queued (`queued`) or at replicas (`atReplicas`) at the end. */
  inFlightAtEnd: { queued: number; atReplicas: number };
  /** Pod-seconds: every pod (starting, ready, draining) from creation until gone. The cost. */
  replicaSeconds: number;
  /** Ready-replica-seconds. */
  readyReplicaSeconds: number;
  /** Mean time from arrival to the start of the request's batch, seconds. */
  meanWaitSeconds: number;
  /** Ticks whose decision changed the replica target. */
  scalingActions: number;
  /** Decisions per reason token. */
  reasons: Record<string, number>;
  /** Per-second series (null when `recordSeries` was false). */
  series: SecondSeries | null;
  /** Events processed (for speed figures). */
  events: number;
  /** The resolved policy spec, when a policy ran. */
  spec?: unknown;
  /** What a report measures: the run from `measureFromSecond` on (the whole run by default). */
  measured: MeasuredWindow;
}

/** The measured part of a run (after the warm-up). */
export interface MeasuredWindow {
  /** First measured second. */
  fromSecond: number;
  /** Seconds measured. */
  seconds: number;
  /** Arrivals in the window and the requests that ended in it. */
  totals: Totals;
  /** Latency percentiles and mean of requests served in the window, seconds (NaN: none). */
  latency: { p50: number; p95: number; p99: number; mean: number };
  /** Pod-seconds paid in the window. */
  replicaSeconds: number;
  /** Decisions in the window that changed the replica target. */
  scalingActions: number;
}

/**
 * One run's state: the event heap, the cluster, the metrics pipeline, the controller and the
 * counters. The handlers below are module functions over it (no closures on the hot path).
 */
class RunState {
  /** Seconds of workload. */
  readonly seconds: number;
  /** Arrival offsets within each second. */
  readonly arrivalRng: Rng;
  /** Batch completions, timers, readiness, scrapes, ticks and actuations. */
  readonly heap = new EventHeap(1024);
  /** Per-second series and request counts. */
  readonly rec: Recorder;
  /** The pods and the dispatcher. */
  readonly cluster: SimCluster;
  /** Scrapes and the observation a tick reads. */
  readonly pipeline: MetricsPipeline;
  /** The autoscaler, when a policy runs. */
  readonly policy: PolicyController | null;
  /** The pods per second, when a schedule runs. */
  readonly schedule: Extract<ResolvedConfig["controller"], { kind: "schedule" }> | null;
  /** The replica target. */
  target: number;
  /** Decisions (or schedule steps) that changed the target. */
  actions = 0;
  /** Events processed, arrivals included. */
  events = 0;
  /** Scrapes so far. */
  scrapes = 0;
  /** Ticks so far. */
  ticks = 0;
  /** Decisions per reason token. */
  readonly reasons: Record<string, number> = {};
  /** Pod-seconds paid before the measured window. */
  costBefore = 0;
  /** Actions before the measured window. */
  actionsBefore = 0;

  constructor(readonly cfg: ResolvedConfig) {
    this.seconds = cfg.counts.length;
    this.arrivalRng = createRng(cfg.seed);
    const serviceRng = createRng((cfg.serviceSeed ^ 0x5bd1e995) >>> 0);
    const startupRng = createRng((cfg.serviceSeed ^ 0x27d4eb2f) >>> 0);
    this.rec = new Recorder(this.seconds, {
      slo: cfg.sloSeconds,
      timeout: cfg.dispatcher.timeoutSeconds,
      keepSeries: cfg.recordSeries,
      measureFrom: cfg.measureFromSecond,
    });
    this.cluster = new SimCluster(
      cfg,
      this.heap,
      this.rec,
      createServiceSampler(cfg.calibration, cfg.dispatcher.maxBatch, serviceRng),
      createStartupSampler(cfg.calibration.startup, startupRng),
    );
    this.pipeline = new MetricsPipeline(cfg, this.cluster, this.rec);
    this.policy = makePolicy(cfg);
    this.schedule = cfg.controller.kind === "schedule" ? cfg.controller : null;
    this.target = cfg.initialReplicas;
  }
}

/** Runs one simulation. Throws a RangeError on a bad config. */
export function runSimulation(config: SimConfig): SimResult {
  const r = new RunState(resolveConfig(config));
  r.cluster.addReady(r.cfg.initialReplicas, 0);
  r.heap.push(0, EV_SCRAPE);
  if (r.policy) r.heap.push(r.cfg.metrics.syncOffsetSeconds, EV_TICK);
  for (let k = 0; k < r.seconds; k++) simulateSecond(r, k);
  return result(r);
}

/** Processes the events due before `limit` (at `limit` too when `inclusive`). */
function runEvents(r: RunState, limit: number, inclusive: boolean): void {
  const heap = r.heap, m = r.cfg.metrics;
  for (;;) {
    const next = heap.peekTime();
    if (inclusive ? next > limit : next >= limit) return;
    heap.pop();
    r.events++;
    const now = heap.time, kind = heap.kind;
    if (kind < EV_SCRAPE) r.cluster.handle(kind, heap.a, heap.b, now);
    else if (kind === EV_SCRAPE) {
      r.pipeline.scrape(now);
      heap.push(++r.scrapes * m.scrapeIntervalSeconds, EV_SCRAPE);
    } else if (kind === EV_TICK) tick(r, now);
    else if (kind === EV_ACTUATE) r.cluster.scaleTo(heap.a, now);
  }
}

/** An autoscaler tick: the decision, its actuation after the delay, and the next tick. */
function tick(r: RunState, now: number): void {
  const m = r.cfg.metrics;
  const decision = r.policy!.tick(r.pipeline.observation(now, r.target));
  r.reasons[decision.reason] = (r.reasons[decision.reason] ?? 0) + 1;
  if (decision.desired !== r.target) {
    r.actions++;
    r.target = decision.desired;
    r.heap.push(now + m.actuationDelaySeconds, EV_ACTUATE, r.target);
  }
  r.heap.push(m.syncOffsetSeconds + ++r.ticks * m.syncPeriodSeconds, EV_TICK);
}

/** Second `k`: the measured window's start, the schedule's step, the arrivals, the series. */
function simulateSecond(r: RunState, k: number): void {
  const { cfg, cluster, heap } = r;
  if (k === cfg.measureFromSecond) {
    runEvents(r, k, false);
    r.costBefore = cluster.cost(k).podSeconds;
    r.actionsBefore = r.actions;
  }
  if (r.schedule) {
    const want = r.schedule.pods[k];
    if (want !== r.target) r.actions++;
    r.target = want;
    runEvents(r, k, true);
    cluster.scaleTo(r.target, k, r.schedule.startupSeconds);
  }
  const count = cfg.counts[k];
  if (count > 0) {
    const offsets = arrivalsInSecond(count, cfg.arrivalMode, r.arrivalRng);
    for (let i = 0; i < count; i++) {
      const t = k + offsets[i];
      if (heap.peekTime() <= t) runEvents(r, t, true);
      cluster.arrive(t);
      r.events++;
    }
  }
  runEvents(r, k + 1, false);
  r.rec.endSecond({
    ready: cluster.ready,
    total: cluster.pods,
    desired: r.target,
    queue: cluster.queueLength(k + 1),
  });
}

/** The outcome, at the end of the workload. */
function result(r: RunState): SimResult {
  const { cluster, rec, seconds } = r;
  const cost = cluster.cost(seconds);
  return {
    seconds,
    totals: { ...rec.totals },
    inFlightAtEnd: { queued: cluster.queueLength(seconds), atReplicas: cluster.atReplicas },
    replicaSeconds: cost.podSeconds,
    readyReplicaSeconds: cost.readySeconds,
    meanWaitSeconds: rec.waitCount > 0 ? rec.waitSum / rec.waitCount : NaN,
    scalingActions: r.actions,
    reasons: r.reasons,
    series: rec.series,
    events: r.events,
    ...(r.policy ? { spec: r.policy.spec } : {}),
    measured: measuredWindow(r, cost.podSeconds),
  };
}

/** The measured part of the run, given the pod-seconds paid by its end. */
function measuredWindow(r: RunState, podSeconds: number): MeasuredWindow {
  const { cfg, rec } = r;
  const q = rec.windowLatency.quantiles([0.5, 0.95, 0.99], []);
  const served = rec.window.served;
  return {
    fromSecond: cfg.measureFromSecond,
    seconds: r.seconds - cfg.measureFromSecond,
    totals: { ...rec.window },
    latency: {
      p50: q[0],
      p95: q[1],
      p99: q[2],
      mean: served > 0 ? rec.windowLatencySum / served : NaN,
    },
    replicaSeconds: podSeconds - r.costBefore,
    scalingActions: r.actions - r.actionsBefore,
  };
}

function makePolicy(cfg: ResolvedConfig): PolicyController | null {
  const c = cfg.controller;
  if (c.kind !== "policy") return null;
  const spec = simSpec(c.policy, c.spec, {
    minReplicas: cfg.minReplicas,
    maxReplicas: cfg.maxReplicas,
    calibration: cfg.calibration,
    maxBatch: cfg.dispatcher.maxBatch,
    rateWindowSeconds: cfg.metrics.rateWindowSeconds,
  });
  return createPolicyController(c.policy, spec);
}
