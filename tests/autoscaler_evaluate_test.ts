import assert from "node:assert/strict";

const SCRIPT = new URL("../autoscaler.ts", import.meta.url).pathname;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], stdin: string, flags: string[] = []): Promise<Run> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...flags, SCRIPT, ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(stdin));
  await writer.close();
  const out = await child.output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

const HPA_INPUT = {
  policy: "hpa",
  spec: { minReplicas: 1, maxReplicas: 10 },
  observation: {
    now: 1000,
    currentReplicas: 3,
    pods: [800, 900, 700].map((usage, i) => ({
      name: `r-${i}`,
      phase: "Running",
      ready: true,
      deleting: false,
      startTime: 0,
      readyTransitionTime: 12,
      cpuRequestMilli: 1000,
      cpuUsageMilli: usage,
      metricTimestamp: 995,
      metricWindowSeconds: 60,
    })),
  },
  state: {},
};

function oneLineError(run: Run, pattern: RegExp) {
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.stdout, "");
  const lines = run.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0], pattern);
}

Deno.test("autoscaler evaluate", async (t) => {
  await t.step("prints one JSON object and exits 0", async () => {
    const run = await cli(["evaluate"], JSON.stringify(HPA_INPUT));
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trimEnd().split("\n").length, 1);
    const out = JSON.parse(run.stdout);
    // 2400m of 3000m = 80% at a 50% target: ceil(1.6 × 3) = 5
    assert.deepEqual(Object.keys(out), ["targetReplicas", "reason", "state"]);
    assert.deepEqual([out.targetReplicas, out.reason], [5, "AboveTarget"]);
  });

  await t.step("the printed state feeds the next call", async () => {
    const first = JSON.parse((await cli(["evaluate"], JSON.stringify(HPA_INPUT))).stdout);
    const pods = [0, 1, 2, 3, 4].map(() => HPA_INPUT.observation.pods[0]);
    const next = (state: unknown) => ({
      ...HPA_INPUT,
      observation: { ...HPA_INPUT.observation, now: 1005, currentReplicas: 5, pods },
      state,
    });
    // 5 pods at 80%: ceil(1.6 × 5) = 8, but the +2 at t=1000 is within the 15 s period:
    // the period started at 3 replicas, so at most 3 + 4 = 7
    const run = await cli(["evaluate"], JSON.stringify(next(first.state)));
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout).targetReplicas, 7);
    assert.deepEqual(JSON.parse(run.stdout).reason, "ScaleUpLimit");
    const fresh = await cli(["evaluate"], JSON.stringify(next({})));
    assert.equal(JSON.parse(fresh.stdout).targetReplicas, 8);
  });

  const bad: { name: string; stdin: string; error: RegExp }[] = [
    {
      name: "invalid JSON",
      stdin: "{nope",
      error: /^autoscaler evaluate: input is not valid JSON: /,
    },
    { name: "empty stdin", stdin: "", error: /^autoscaler evaluate: no input on stdin/ },
    {
      name: "unknown policy",
      stdin: JSON.stringify({ ...HPA_INPUT, policy: "vpa" }),
      error:
        /^autoscaler evaluate: policy must be one of hpa, cpa-seed, cpa, kpa, queue: got "vpa"$/,
    },
    {
      name: "invalid spec value",
      stdin: JSON.stringify({ ...HPA_INPUT, spec: { maxReplicas: 0 } }),
      error: /^autoscaler evaluate: spec\.maxReplicas: .*\(got 0\)/,
    },
    {
      name: "multi-line JSON error stays on one line",
      stdin: '{\n "policy": "hpa",\n',
      error: /^autoscaler evaluate: input is not valid JSON/,
    },
  ];
  for (const c of bad) {
    await t.step(`exits 2 on ${c.name}`, async () => {
      oneLineError(await cli(["evaluate"], c.stdin), c.error);
    });
  }

  await t.step("exits 2 on an unknown command", async () => {
    oneLineError(await cli(["evalute"], "{}"), /^autoscaler: unknown command "evalute"; usage: /);
  });
  await t.step("--help names the commands and exits 0", async () => {
    const run = await cli(["--help"], "");
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Commands: run\|evaluate/);
  });
  await t.step("evaluate --help shows its flag and exits 0", async () => {
    const run = await cli(["evaluate", "--help"], "");
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /--state-file/);
  });
  await t.step("exits 2 on an unknown option", async () => {
    oneLineError(await cli(["evaluate", "--nope"], "{}"), /^autoscaler evaluate: .*nope/);
  });

  await t.step("Custom Pod Autoscaler framework hook input", async () => {
    const wrapped = {
      metrics: [{ resource: "resnet", value: JSON.stringify(HPA_INPUT) }],
      resource: { kind: "Deployment" },
      runType: "scaler",
    };
    const run = await cli(["evaluate"], JSON.stringify(wrapped));
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).targetReplicas, 5);
  });

  await t.step("--state-file keeps the state between framework runs", async () => {
    const dir = await Deno.makeTempDir();
    try {
      const file = `${dir}/state.json`;
      const flags = [`--allow-read=${dir}`, `--allow-write=${dir}`];
      const input = {
        policy: "queue",
        observation: { now: 0, currentReplicas: 6, inFlight: 10 },
      };
      const first = await cli(["evaluate", "--state-file", file], JSON.stringify(input), flags);
      assert.equal(first.code, 0, first.stderr);
      // a fresh autoscaler holds 6 for the 300 s window; without the file it would hold forever
      assert.equal(JSON.parse(first.stdout).targetReplicas, 6);
      const saved = JSON.parse(await Deno.readTextFile(file));
      assert.deepEqual(saved, JSON.parse(first.stdout).state);
      const later = { ...input, observation: { ...input.observation, now: 300 } };
      const second = await cli(["evaluate", "--state-file", file], JSON.stringify(later), flags);
      assert.equal(JSON.parse(second.stdout).targetReplicas, 1);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});
