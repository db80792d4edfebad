import assert from "node:assert/strict";
import { createApp, type LoadOptions, parseLoadArgs, THRESHOLD_EXIT } from "../lib/loadtest/mod.ts";

/**
 * A loopback server answering after `delayMs`, stalling every request during one window that
 * starts `fromMs` after the first request following `stallAfter` (so the run's set-up time does
 * not move the window).
 */
function stallServer(delayMs: number) {
  let stallFrom = Infinity, stallTo = -Infinity;
  let armed: { fromMs: number; lengthMs: number } | undefined;
  const seen: { contentType: string | null; bytes: number }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = new Uint8Array(await req.arrayBuffer());
    seen.push({ contentType: req.headers.get("content-type"), bytes: body.length });
    const now = performance.now();
    if (armed) {
      stallFrom = now + armed.fromMs;
      stallTo = stallFrom + armed.lengthMs;
      armed = undefined;
    }
    const wait = now >= stallFrom && now < stallTo ? stallTo - now : delayMs;
    await new Promise((r) => setTimeout(r, wait));
    return new Response("{}", { headers: { "x-replica": "r7" } });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/predict`,
    seen,
    stallAfter(fromMs: number, lengthMs: number) {
      armed = { fromMs, lengthMs };
    },
    close: () => server.shutdown(),
  };
}

function options(url: string, extra: string[]): LoadOptions {
  const parsed = parseLoadArgs(["--endpoint", url, "--quiet", "--warmup", "0", ...extra]);
  assert.ok(parsed !== "help");
  return parsed;
}

const quietApp = () => createApp({ out: () => {}, progress: () => {}, isTty: false });

Deno.test("loadtest against a loopback server", async (t) => {
  const server = stallServer(5);
  try {
    await t.step("one 1 s stall: corrected p99 shows it, uncorrected hides it", async () => {
      server.stallAfter(1000, 1000);
      const opts = options(server.url, [
        "--workload",
        "200,200,200",
        "--arrivals",
        "uniform",
        "--connections",
        "2",
        "--synthetic",
        "32x32",
      ]);
      const { summary } = await quietApp().run(opts);
      assert.equal(summary.requests.ok, 600);
      assert.ok(
        summary.latency_ms.corrected.p99 > 700,
        `corrected p99 ${summary.latency_ms.corrected.p99}`,
      );
      assert.ok(summary.latency_ms.corrected.max > 900);
      assert.ok(
        summary.latency_ms.uncorrected.p99 < 200,
        `uncorrected p99 ${summary.latency_ms.uncorrected.p99}`,
      );
    });
    await t.step(
      "open loop: sends on schedule through the stall, drops past max-inflight",
      async () => {
        server.stallAfter(1000, 1000);
        const opts = options(server.url, [
          "--workload",
          "100,100,100",
          "--max-inflight",
          "40",
          "--no-body",
          "--slo-ms",
          "500",
        ]);
        const { summary } = await quietApp().run(opts);
        const q = summary.requests;
        assert.equal(q.offered, 300);
        assert.equal(q.sent + q.dropped, 300);
        assert.ok(q.dropped >= 40 && q.dropped <= 70, `dropped ${q.dropped}`); // ~100 in the stall − 40
        assert.ok(summary.schedule_lag_ms.p99 < 100, `lag p99 ${summary.schedule_lag_ms.p99}`);
        assert.ok(summary.latency_ms.uncorrected.p99 > 700, "open loop: uncorrected sees it too");
        assert.equal(summary.slo!.violations, q.dropped + summary.slo!.late);
      },
    );
    await t.step("files, payload, replica and thresholds", async () => {
      const dir = await Deno.makeTempDir();
      server.seen.length = 0;
      const opts = options(server.url, [
        "--workload",
        "20,0,10",
        "--images",
        "testdata/images",
        "--body",
        "raw",
        "--out",
        dir,
        "--threshold",
        "p95<5s",
        "--threshold",
        "errors<1%",
        "--threshold",
        "p50<1ms",
      ]);
      const outcome = await quietApp().run(opts);
      assert.equal(outcome.exitCode, THRESHOLD_EXIT);
      assert.deepEqual(outcome.thresholds.map((x) => x.ok), [true, true, false]);
      assert.ok(server.seen.every((s) => /^image\/(jpeg|png)$/.test(s.contentType ?? "")));
      assert.ok(server.seen.every((s) => s.bytes > 0));
      const requests = (await Deno.readTextFile(`${dir}/requests.csv`)).trim().split("\n");
      assert.equal(requests.length, 31);
      assert.match(requests[1], /^\d+,[\d.]+,[\d.]+,[\d.]+,200,[\d.]+,[\d.]+,r7,$/);
      const seconds = (await Deno.readTextFile(`${dir}/seconds.csv`)).trim().split("\n");
      assert.deepEqual(seconds.slice(1).map((l) => l.split(",").slice(1, 2)[0]), ["20", "0", "10"]);
      const summary = JSON.parse(await Deno.readTextFile(`${dir}/summary.json`));
      assert.equal(summary.requests.ok, 30);
      assert.equal(summary.codes["200"], 30);
      await Deno.remove(dir, { recursive: true });
    });
    await t.step("multipart body carries the image in field `image`", async () => {
      server.seen.length = 0;
      await quietApp().run(options(server.url, ["--workload", "3", "--synthetic", "16x16"]));
      assert.equal(server.seen.length, 3);
      assert.match(server.seen[0].contentType ?? "", /^multipart\/form-data; boundary=/);
    });
  } finally {
    await server.close();
  }
  await t.step("connection refused is an error kind, not a crash", async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const { summary } = await quietApp().run(
      options(`http://127.0.0.1:${port}/`, ["--workload", "5", "--no-body"]),
    );
    assert.equal(summary.requests.errors, 5);
    assert.deepEqual(summary.errors, { connection_refused: 5 });
    assert.deepEqual(summary.codes, { "0": 5 });
  });
});

Deno.test("parseLoadArgs", async (t) => {
  const base = ["--endpoint", "http://127.0.0.1:1/predict"];
  await t.step("defaults", () => {
    const o = parseLoadArgs([...base, "--workload", "5,5,10"]);
    assert.ok(o !== "help");
    assert.deepEqual(o.workload, { kind: "list", rates: [5, 5, 10] });
    assert.equal(o.arrivals, "poisson");
    assert.equal(o.seed, 42);
    assert.equal(o.method, "POST");
    assert.deepEqual(o.synthetic, { width: 224, height: 224 });
    assert.equal(o.connections, Infinity);
    assert.equal(o.maxInflight, 1000);
  });
  await t.step("help", () => assert.equal(parseLoadArgs(["--help"]), "help"));
  await t.step("client: by protocol unless given", () => {
    const o = parseLoadArgs([...base, "--workload", "1"]);
    assert.ok(o !== "help");
    assert.equal(o.client, undefined);
    const f = parseLoadArgs([...base, "--workload", "1", "--client", "fetch"]);
    assert.ok(f !== "help");
    assert.equal(f.client, "fetch");
  });
  await t.step("shape, scales, thresholds", () => {
    const o = parseLoadArgs([
      ...base,
      "--shape",
      "sine:mean=5,amplitude=2",
      "--rate-scale",
      "0.5",
      "--time-scale",
      "2",
      "--duration",
      "30",
      "--threshold",
      "p95<500ms",
      "--threshold",
      "errors<1%",
    ]);
    assert.ok(o !== "help");
    assert.equal(o.workload.kind, "shape");
    assert.equal(o.rateScale, 0.5);
    assert.deepEqual(o.thresholds.map((x) => x.bound), [500, 0.01]);
  });
  const bad: [string, string[], RegExp][] = [
    ["no endpoint", ["--workload", "1"], /--endpoint URL is required/],
    ["bad endpoint", ["--endpoint", "ftp://x", "--workload", "1"], /http\(s\) URL: got ftp:\/\/x/],
    ["no workload", base, /exactly one of --workload, --trace, --shape: got none/],
    [
      "two workloads",
      [...base, "--workload", "1", "--shape", "constant:rate=1"],
      /got --workload, --shape/,
    ],
    ["bad list", [...base, "--workload", "1,-1"], /--workload: workload entry 2/],
    ["bad shape", [...base, "--shape", "zigzag"], /--shape: shape must be one of/],
    [
      "bad arrivals",
      [...base, "--workload", "1", "--arrivals", "gamma"],
      /--arrivals must be poisson\|uniform: got gamma/,
    ],
    [
      "zero time scale",
      [...base, "--workload", "1", "--time-scale", "0"],
      /--time-scale must be a number > 0: got 0/,
    ],
    [
      "fractional duration",
      [...base, "--workload", "1", "--duration", "1.5"],
      /--duration must be an integer ≥ 1: got 1.5/,
    ],
    [
      "seed range",
      [...base, "--workload", "1", "--seed=-3"],
      /--seed must be an integer between 0 and 4294967295: got -3/,
    ],
    [
      "max-inflight 0",
      [...base, "--workload", "1", "--max-inflight", "0"],
      /--max-inflight must be an integer ≥ 1: got 0/,
    ],
    [
      "bad synthetic",
      [...base, "--workload", "1", "--synthetic", "big"],
      /--synthetic: size must be WxH/,
    ],
    [
      "images and synthetic",
      [...base, "--workload", "1", "--images", "d", "--synthetic", "2x2"],
      /at most one of --images, --synthetic/,
    ],
    [
      "GET with a body",
      [...base, "--workload", "1", "--method", "GET"],
      /cannot carry an image: add --no-body/,
    ],
    [
      "bad header",
      [...base, "--workload", "1", "--header", "nocolon"],
      /--header must be 'Name: value': got nocolon/,
    ],
    [
      "bad threshold",
      [...base, "--workload", "1", "--threshold", "p95 about 3"],
      /--threshold: threshold must look like/,
    ],
    [
      "slo threshold without slo",
      [...base, "--workload", "1", "--threshold", "slo_violations<1%"],
      /needs --slo-ms/,
    ],
    ["bad client", [...base, "--workload", "1", "--client", "gopher"], /--client must be/],
    [
      "http1 client over https",
      ["--endpoint", "https://127.0.0.1:1/", "--workload", "1", "--client", "http1"],
      /--client http1 needs an http: endpoint/,
    ],
    ["unknown flag", [...base, "--workload", "1", "--rps", "5"], /Unknown option '--rps'/],
    [
      "trace-values without trace",
      [...base, "--workload", "1", "--trace-values", "rate"],
      /applies to --trace only/,
    ],
  ];
  for (const [name, args, message] of bad) {
    await t.step(`rejects ${name}`, () => assert.throws(() => parseLoadArgs(args), message));
  }
});

Deno.test("loadtest flags fall back to LOADTEST_ variables", async (t) => {
  const args = ["--endpoint", "http://127.0.0.1:1/predict", "--workload", "1"];
  await t.step("a variable sets a flag not on the command line", () => {
    const o = parseLoadArgs(args, { LOADTEST_MAX_INFLIGHT: "50", LOADTEST_NO_BODY: "true" });
    assert.ok(o !== "help");
    assert.equal(o.maxInflight, 50);
    assert.equal(o.method, "GET");
  });
  await t.step("the command line wins over the variable", () => {
    const o = parseLoadArgs([...args, "--max-inflight", "7"], { LOADTEST_MAX_INFLIGHT: "50" });
    assert.ok(o !== "help");
    assert.equal(o.maxInflight, 7);
  });
  await t.step("a variable's value is checked like the flag's", () => {
    assert.throws(
      () => parseLoadArgs(args, { LOADTEST_MAX_INFLIGHT: "0" }),
      /--max-inflight must be an integer ≥ 1: got 0/,
    );
  });
});

Deno.test("by default the endpoint sees exactly the workload", async () => {
  let requests = 0;
  const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    requests++;
    await req.arrayBuffer();
    return new Response("{}");
  });
  try {
    const parsed = parseLoadArgs([
      "--endpoint",
      `http://127.0.0.1:${http.addr.port}/predict`,
      "--quiet",
      "--workload",
      "40,10,60,0,30",
      "--synthetic",
      "16x16",
    ]);
    assert.ok(parsed !== "help");
    const { summary } = await quietApp().run(parsed);
    assert.equal(summary.requests.ok, 140);
    assert.equal(requests, 140, "no request beyond the workload reached the endpoint");
  } finally {
    await http.shutdown();
  }
});
