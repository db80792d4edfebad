/**
 * A small, hand-made comparison for report tests: two policies over 240 seconds with a load
 * step, the oracle, and a sweep.
 *
 * @module
 */
import type { ReportInput, ReportSeries } from "../report/mod.ts";
import type { RunSummary } from "../sim/mod.ts";

/** A summary with every figure set; override what a test cares about. */
export function summary(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    violationsPercent: 1,
    p50: 0.05,
    p95: 0.3,
    p99: 0.6,
    arrivals: 1000,
    late: 5,
    failed: 3,
    rejected: 2,
    replicaSeconds: 1000,
    costRatio: 1.2,
    meanReplicas: 4,
    scalingActions: 6,
    recoverySeconds: [30],
    oscillations: 2,
    ...overrides,
  };
}

function series(seconds: number, replicasAfterStep: number, p95Peak: number): ReportSeries {
  const s: ReportSeries = {
    offered: [],
    served: [],
    failed: [],
    rejected: [],
    replicas: [],
    desired: [],
    p95: [],
  };
  for (let t = 0; t < seconds; t++) {
    const load = t < seconds / 2 ? 20 : 60;
    const catching = t >= seconds / 2 && t < seconds / 2 + 30;
    s.offered.push(load);
    s.served.push(catching ? load - 10 : load);
    s.failed.push(catching ? 2 : 0);
    s.rejected.push(0);
    s.replicas.push(t < seconds / 2 + 20 ? 2 : replicasAfterStep);
    s.desired.push(t < seconds / 2 + 5 ? 2 : replicasAfterStep);
    s.p95.push(t === 0 ? null : catching ? p95Peak : 0.2);
  }
  return s;
}

/** The fixture. */
export function reportFixture(): ReportInput {
  return {
    title: "resnet18 autoscaling: step",
    mode: "sim",
    scenario: "step <test>",
    seed: 42,
    sloSeconds: 0.5,
    createdAt: "2026-11-28T00:00:00Z",
    stepSeconds: 1,
    runs: [
      {
        label: "hpa",
        policy: "hpa",
        summary: summary({ violationsPercent: 4.5, replicaSeconds: 1500, costRatio: 1.5 }),
        series: series(240, 7, 2.5),
      },
      {
        label: "cpa",
        policy: "cpa",
        summary: summary({
          violationsPercent: 0.4,
          replicaSeconds: 1100,
          costRatio: 1.1,
          p99: 0.6,
        }),
        series: series(240, 6, 0.9),
      },
    ],
    oracle: {
      replicas: Array.from({ length: 240 }, (_, t) => (t < 110 ? 2 : 6)),
      replicaSeconds: 1000,
      summary: summary({ violationsPercent: 0, costRatio: 1 }),
    },
    sweep: {
      knobs: { hpa: "targetCPUUtilizationPercentage", cpa: "headroom" },
      points: [
        { policy: "hpa", value: 30, violationsPercent: 0.5, replicaSeconds: 2200 },
        { policy: "hpa", value: 70, violationsPercent: 6, replicaSeconds: 1300 },
        { policy: "cpa", value: 0.1, violationsPercent: 2, replicaSeconds: 1050 },
        { policy: "cpa", value: 0.3, violationsPercent: 0.3, replicaSeconds: 1250 },
        { policy: "oracle", value: NaN, violationsPercent: 0, replicaSeconds: 1000 },
      ],
      frontiers: {
        hpa: [
          { policy: "hpa", value: 30, violationsPercent: 0.5, replicaSeconds: 2200 },
          { policy: "hpa", value: 70, violationsPercent: 6, replicaSeconds: 1300 },
        ],
        cpa: [
          { policy: "cpa", value: 0.1, violationsPercent: 2, replicaSeconds: 1050 },
          { policy: "cpa", value: 0.3, violationsPercent: 0.3, replicaSeconds: 1250 },
        ],
      },
      dominance: { hpa: { dominates: true, uncovered: [] } },
    },
    notes: ["hpa scales on CPU, which lags the queue <script>alert(1)</script>"],
  };
}
