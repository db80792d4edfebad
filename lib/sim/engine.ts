/**
 * `runSimulation`: one discrete-event run on a virtual clock (seconds from 0).
 *
 * Arrivals come second by second from the workload's own generator (`arrivalsInSecond` with a
 * generator seeded by `seed`, the same schedule the load tester sends for that seed), merged with
 * the event heap: batch completions and batch-delay timers, pod readiness, scrapes (every scrape
 * interval from 0), autoscaler ticks (every sync period from the sync offset) and actuations
 * (after the actuation delay). Events at the same time run in the order they were scheduled, and
 * before an arrival at that time. Service and startup times come from their own generators
 * (seeds derived from `seed`), so policies compared on one seed see the same arrivals.
 *
 * The run stops at the end of the workload; requests still queued or at replicas are reported as
 * in flight, so arrivals = served + failed + rejected + in flight.
 *
 * @module
 */
import { createRng } from "../shared/mod.ts";
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

/** Runs one simulation. Throws a RangeError on a bad config. */
export function runSimulation(config: SimConfig): SimResult {
  const cfg = resolveConfig(config);
  const seconds = cfg.counts.length;
  const d = cfg.dispatcher, m = cfg.metrics;
  const arrivalRng = createRng(cfg.seed);
  const serviceRng = createRng((cfg.serviceSeed ^ 0x5bd1e995) >>> 0);
  const startupRng = createRng((cfg.serviceSeed ^ 0x27d4eb2f) >>> 0);
  const heap = new EventHeap(1024);
  const rec = new Recorder(seconds, {
    slo: cfg.sloSeconds,
    timeout: d.timeoutSeconds,
    keepSeries: cfg.recordSeries,
    measureFrom: cfg.measureFromSecond,
  });
  const cluster = new SimCluster(
    cfg,
    heap,
    rec,
    createServiceSampler(cfg.calibration, d.maxBatch, serviceRng),
    createStartupSampler(cfg.calibration.startup, startupRng),
  );
  const pipeline = new MetricsPipeline(cfg, cluster, rec);
  const policy = makePolicy(cfg);
  const control = cfg.controller;
  const schedule = control.kind === "schedule" ? control : null;
  let target = cfg.initialReplicas;
  let actions = 0, events = 0, scrapes = 0, ticks = 0;
  const reasons: Record<string, number> = {};
  cluster.addReady(cfg.initialReplicas, 0);
  heap.push(0, EV_SCRAPE);
  if (policy) heap.push(m.syncOffsetSeconds, EV_TICK);

  const run = (limit: number, inclusive: boolean) => {
    for (;;) {
      const next = heap.peekTime();
      if (inclusive ? next > limit : next >= limit) return;
      heap.pop();
      events++;
      const now = heap.time, kind = heap.kind;
      if (kind < EV_SCRAPE) cluster.handle(kind, heap.a, heap.b, now);
      else if (kind === EV_SCRAPE) {
        pipeline.scrape(now);
        heap.push(++scrapes * m.scrapeIntervalSeconds, EV_SCRAPE);
      } else if (kind === EV_TICK) {
        const decision = policy!.tick(pipeline.observation(now, target));
        reasons[decision.reason] = (reasons[decision.reason] ?? 0) + 1;
        if (decision.desired !== target) {
          actions++;
          target = decision.desired;
          heap.push(now + m.actuationDelaySeconds, EV_ACTUATE, target);
        }
        heap.push(m.syncOffsetSeconds + ++ticks * m.syncPeriodSeconds, EV_TICK);
      } else if (kind === EV_ACTUATE) cluster.scaleTo(heap.a, now);
    }
  };

  let costBefore = 0, actionsBefore = 0;
  for (let k = 0; k < seconds; k++) {
    if (k === cfg.measureFromSecond) {
      run(k, false);
      costBefore = cluster.cost(k).podSeconds;
      actionsBefore = actions;
    }
    if (schedule) {
      const want = schedule.pods[k];
      if (want !== target) actions++;
      target = want;
      run(k, true);
      cluster.scaleTo(target, k, schedule.startupSeconds);
    }
    const count = cfg.counts[k];
    if (count > 0) {
      const offsets = arrivalsInSecond(count, cfg.arrivalMode, arrivalRng);
      for (let i = 0; i < count; i++) {
        const t = k + offsets[i];
        if (heap.peekTime() <= t) run(t, true);
        cluster.arrive(t);
        events++;
      }
    }
    run(k + 1, false);
    rec.endSecond({
      ready: cluster.ready,
      total: cluster.pods,
      desired: target,
      queue: cluster.queueLength(k + 1),
    });
  }

  const cost = cluster.cost(seconds);
  const q = rec.windowLatency.quantiles([0.5, 0.95, 0.99], []);
  const served = rec.window.served;
  return {
    seconds,
    totals: { ...rec.totals },
    inFlightAtEnd: { queued: cluster.queueLength(seconds), atReplicas: cluster.atReplicas },
    replicaSeconds: cost.podSeconds,
    readyReplicaSeconds: cost.readySeconds,
    meanWaitSeconds: rec.waitCount > 0 ? rec.waitSum / rec.waitCount : NaN,
    scalingActions: actions,
    reasons,
    series: rec.series,
    events,
    ...(policy ? { spec: policy.spec } : {}),
    measured: {
      fromSecond: cfg.measureFromSecond,
      seconds: seconds - cfg.measureFromSecond,
      totals: { ...rec.window },
      latency: {
        p50: q[0],
        p95: q[1],
        p99: q[2],
        mean: served > 0 ? rec.windowLatencySum / served : NaN,
      },
      replicaSeconds: cost.podSeconds - costBefore,
      scalingActions: actions - actionsBefore,
    },
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
