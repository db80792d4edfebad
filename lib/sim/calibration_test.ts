import assert from "node:assert/strict";
import { createRng } from "../shared/mod.ts";
import {
  batchMoments,
  createServiceSampler,
  createStartupSampler,
  K8S_CALIBRATION,
  LOCAL_CALIBRATION,
  parseCalibration,
  saturationRate,
  startupMeanSeconds,
  withStartupDelay,
} from "./calibration.ts";

Deno.test("parseCalibration", async (t) => {
  await t.step("fills absent fields from the k8s default", () => {
    const c = parseCalibration({ batches: [{ size: 1, meanSeconds: 0.01 }] });
    assert.equal(c.name, "custom");
    assert.equal(c.threads, K8S_CALIBRATION.threads);
    assert.deepEqual(c.startup, K8S_CALIBRATION.startup);
    assert.equal(c.batches[0].stdSeconds, 0.001); // 10% of the mean
  });
  await t.step("round-trips the built-in calibrations", () => {
    for (const cal of [K8S_CALIBRATION, LOCAL_CALIBRATION]) {
      assert.deepEqual(parseCalibration(JSON.parse(JSON.stringify(cal))), cal);
    }
  });
  await t.step("p50/p95 are fitted as a lognormal", () => {
    const c = parseCalibration({
      batches: [{ size: 8, p50Seconds: 0.1, p95Seconds: 0.1 * Math.exp(1.6448536 * 0.2) }],
    });
    const mean = c.batches[0].meanSeconds!;
    assert.ok(Math.abs(mean - 0.1 * Math.exp(0.02)) < 1e-9);
    assert.ok(Math.abs(c.batches[0].stdSeconds! / mean - Math.sqrt(Math.expm1(0.04))) < 1e-6);
  });
  await t.step("sorts batches by size", () => {
    const c = parseCalibration({
      batches: [{ size: 8, meanSeconds: 0.2 }, { size: 1, meanSeconds: 0.05 }],
    });
    assert.deepEqual(c.batches.map((b) => b.size), [1, 8]);
  });
  const bad: [string, unknown, RegExp][] = [
    ["not an object", [], /calibration must be a JSON object/],
    ["no batches", {}, /batches must be a non-empty list/],
    [
      "negative mean",
      { batches: [{ size: 1, meanSeconds: -1 }] },
      /batches\[0\].meanSeconds must be a finite number > 0: got -1/,
    ],
    [
      "fractional size",
      { batches: [{ size: 1.5, meanSeconds: 1 }] },
      /batches\[0\].size must be whole/,
    ],
    [
      "p95 below p50",
      { batches: [{ size: 1, p50Seconds: 2, p95Seconds: 1 }] },
      /p95Seconds 1 < p50Seconds 2/,
    ],
    [
      "bad distribution",
      { batches: [{ size: 1, meanSeconds: 1 }], serviceDistribution: "x" },
      /serviceDistribution must be/,
    ],
    [
      "bad threads",
      { batches: [{ size: 1, meanSeconds: 1 }], threads: 0 },
      /threads must be a finite number > 0: got 0/,
    ],
    ["uniform startup without max", {
      batches: [{ size: 1, meanSeconds: 1 }],
      startup: { distribution: "uniform", medianSeconds: 1 },
    }, /maxSeconds is required for uniform/],
  ];
  for (const [name, value, message] of bad) {
    await t.step(`rejects ${name}`, () => assert.throws(() => parseCalibration(value), message));
  }
});

Deno.test("batchMoments", async (t) => {
  const { mean, std } = batchMoments(K8S_CALIBRATION, 10);
  const cases: [string, number, number][] = [
    ["calibrated size 1", 1, 0.0425],
    ["interpolated size 4", 4, 0.0425 + (3 / 7) * (0.2 - 0.0425)],
    ["calibrated size 8", 8, 0.2],
    ["extrapolated size 10", 10, 0.2 + (2 / 7) * (0.2 - 0.0425)],
  ];
  for (const [name, size, want] of cases) {
    await t.step(name, () => assert.ok(Math.abs(mean[size] - want) < 1e-12, `${mean[size]}`));
  }
  await t.step("std interpolates too", () => assert.ok(Math.abs(std[8] - 0.02) < 1e-12));
  await t.step(
    "saturation rate: 8 per 0.2 s",
    () => assert.equal(saturationRate(K8S_CALIBRATION, 8), 40),
  );
  await t.step("a mean that extrapolates to ≤ 0 throws", () => {
    const c = parseCalibration({
      batches: [{ size: 4, meanSeconds: 0.1 }, { size: 5, meanSeconds: 0.2 }],
    });
    assert.throws(() => batchMoments(c, 8), /batch size 1 a mean of/);
  });
});

Deno.test("samplers", async (t) => {
  const meanOf = (f: () => number, n = 50_000) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += f();
    return s / n;
  };
  for (const dist of ["lognormal", "exponential", "deterministic"] as const) {
    await t.step(`${dist} service time has the calibrated mean`, () => {
      const c = { ...K8S_CALIBRATION, serviceDistribution: dist };
      const sample = createServiceSampler(c, 8, createRng(1));
      const m = meanOf(() => sample(8));
      assert.ok(Math.abs(m / 0.2 - 1) < 0.02, `${m}`);
    });
  }
  await t.step("startup lognormal: median 20 s, at least 5 s, mean as documented", () => {
    const sample = createStartupSampler(K8S_CALIBRATION.startup, createRng(2));
    const xs = Array.from({ length: 20_000 }, sample).sort((a, b) => a - b);
    assert.ok(Math.abs(xs[10_000] / 20 - 1) < 0.02);
    assert.ok(xs[0] >= 5);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(Math.abs(mean / startupMeanSeconds(K8S_CALIBRATION.startup) - 1) < 0.02);
  });
  await t.step("fixed and uniform startups", () => {
    const rng = createRng(3);
    assert.equal(createStartupSampler({ distribution: "fixed", medianSeconds: 7 }, rng)(), 7);
    const u = createStartupSampler({
      distribution: "uniform",
      medianSeconds: 0,
      minSeconds: 2,
      maxSeconds: 4,
    }, rng);
    for (let i = 0; i < 100; i++) {
      const x = u();
      assert.ok(x >= 2 && x <= 4);
    }
    assert.equal(
      startupMeanSeconds({
        distribution: "uniform",
        medianSeconds: 0,
        minSeconds: 2,
        maxSeconds: 4,
      }),
      3,
    );
  });
});

Deno.test("parseCalibration: shared host and per-request CPU", async (t) => {
  const batches = [{ size: 1, meanSeconds: 0.02 }];
  await t.step("absent: no host, no per-request CPU", () => {
    const c = parseCalibration({ batches });
    assert.equal(c.host, undefined);
    assert.equal(c.requestCpuSeconds, 0);
  });
  await t.step("read back, background defaulting to 0", () => {
    const c = parseCalibration({
      batches,
      requestCpuSeconds: 0.008,
      host: { cores: 2, startupCores: 1.1 },
    });
    assert.deepEqual(c.host, { cores: 2, startupCores: 1.1, backgroundCores: 0 });
    assert.equal(c.requestCpuSeconds, 0.008);
  });
  await t.step("bad values name the field", () => {
    assert.throws(() => parseCalibration({ batches, host: { startupCores: 1 } }), /host\.cores/);
    assert.throws(
      () => parseCalibration({ batches, host: { cores: 2, startupCores: -1 } }),
      /host\.startupCores/,
    );
    assert.throws(() => parseCalibration({ batches, requestCpuSeconds: "x" }), /requestCpuSeconds/);
  });
});

Deno.test("withStartupDelay", async (t) => {
  const base = parseCalibration({
    batches: [{ size: 1, meanSeconds: 0.02 }],
    startup: { distribution: "fixed", medianSeconds: 2, minSeconds: 1 },
    host: { cores: 2, startupCores: 1.5 },
  });
  await t.step("shifts the startup and spreads its CPU over the longer start", () => {
    const c = withStartupDelay(base, 1);
    assert.equal(c.startup.medianSeconds, 3);
    assert.equal(c.startup.minSeconds, 2);
    // 1.5 cores × 2 s = 3 CPU seconds over 3 s
    assert.equal(c.host!.startupCores, 1);
    assert.equal(base.startup.medianSeconds, 2);
  });
  await t.step("no delay: unchanged", () => assert.equal(withStartupDelay(base, 0), base));
});
