/**
 * Scenario 4, slow and hostile clients: while normal traffic runs through the dispatcher at 40%
 * of capacity, raw TCP clients hold slowloris heads (a header line a second, never finished),
 * idle connections, trickled bodies (a byte every 250 ms), over-limit bodies (declared 1 GiB;
 * a chunked flood), oversized request heads, and malformed multipart, against the dispatcher
 * and a replica (both run with `--body-timeout-s 2`).
 *
 * Checks: normal requests all succeed (and, full run, their p95 rises at most 25%); every
 * trickled body is cut off with 408 near the deadline; over-limit bodies get 413 at once;
 * oversized heads are refused; malformed multipart gets 400; memory stays bounded, descriptors
 * come back once the clients leave, no process restarts. Deno's HTTP server has no header-read
 * or idle timeout, so slowloris and idle connections are held until the client leaves: the
 * scenario reports how many, and checks they cost the service nothing else.
 *
 * @module
 */
import { badRequests } from "./corpus.ts";
import { sendPaced } from "./barrage.ts";
import { latencyOf, probeCapacity, runLoad, startLoad } from "./load.ts";
import { fdCount, round, sleep } from "./measure.ts";
import {
  bigHeader,
  close,
  idle,
  manyHeaders,
  open,
  readStatus,
  send,
  slowloris,
  trickle,
} from "./raw_http.ts";
import { Report, type ScenarioOptions, type ScenarioResult } from "./scenario.ts";
import { rssNow, RssSampler, startDispatcher, startReplicas } from "./setup.ts";
import { Stack } from "./stack.ts";

/** Parameters (reduced / full). */
export interface SlowParams {
  /** Baseline window, s. */
  baseS: number;
  /** Attack window, s. */
  attackS: number;
  /** Slowloris connections. */
  slowloris: number;
  /** Idle connections. */
  idle: number;
  /** Trickled bodies per wave (a wave every 10 s). */
  slowBodies: number;
}

/** Reduced and full parameters. */
export const SLOW_PARAMS: Record<"reduced" | "full", SlowParams> = {
  reduced: { baseS: 5, attackS: 8, slowloris: 200, idle: 300, slowBodies: 30 },
  full: { baseS: 30, attackS: 60, slowloris: 1000, idle: 2000, slowBodies: 100 },
};

const BODY_TIMEOUT_S = 2;
const RSS_BOUND_MIB = 1536;

/** A chunked body of `total` bytes sent as fast as possible; what the server answered. */
async function chunkedFlood(port: number, total: number) {
  const conn = await open(port);
  if (!conn) return { line: "(connect failed)", status: 0, ms: 0 };
  await send(
    conn,
    "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nTransfer-Encoding: chunked\r\n\r\n",
  );
  const answer = readStatus(conn, 20_000);
  const chunk = new Uint8Array(1 << 16);
  const head = new TextEncoder().encode(`${chunk.length.toString(16)}\r\n`);
  const crlf = new TextEncoder().encode("\r\n");
  let settled = false;
  answer.then(() => (settled = true));
  for (let sent = 0; sent < total && !settled; sent += chunk.length) {
    if (!(await send(conn, head)) || !(await send(conn, chunk)) || !(await send(conn, crlf))) break;
  }
  const result = await answer;
  close(conn);
  return result;
}

/** Runs the scenario. */
export async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const p = SLOW_PARAMS[options.full ? "full" : "reduced"];
  const report = new Report(
    "slowclients",
    "slowloris, slow bodies, oversized, idle, malformed",
    options,
  );
  const stack = new Stack();
  const timeoutFlag = `--body-timeout-s=${BODY_TIMEOUT_S}`;
  const hostile: { stop(): void }[] = [];
  try {
    const replicas = await startReplicas(stack, 2, [timeoutFlag]);
    const d = await startDispatcher(stack, replicas, [timeoutFlag]);
    const endpoint = `${d.url}/predict`;
    const pids = () => ({
      dispatcher: d.pid,
      ...Object.fromEntries(replicas.map((r) => [r.name, r.pid])),
    });
    const cap = await probeCapacity(endpoint, {
      seconds: 3,
      concurrency: 16,
    });
    const rate = round(Math.max(2, cap.rps * 0.4), 1);
    const normal = (name: string, seconds: number) => ({
      endpoint,
      rate,
      seconds,
      dir: `${options.dir}/${name}`,
    });
    const base = await runLoad(stack, "baseline", normal("baseline", p.baseS));
    const fdBefore = { dispatcher: fdCount(d.pid), replica: fdCount(replicas[0].pid) };
    const rssBefore = rssNow(pids());
    const sampler = new RssSampler(pids);
    let fdPeak = 0;
    const fdTimer = setInterval(() => (fdPeak = Math.max(fdPeak, fdCount(d.pid) ?? 0)), 250);
    const during = await startLoad(stack, "with-attack", normal("with-attack", p.attackS));
    // connections that never finish their head or never send anything
    const loris = await slowloris(d.port, p.slowloris, 1000);
    hostile.push(loris);
    const idleD = await idle(d.port, p.idle);
    const idleR = await idle(replicas[0].port, Math.floor(p.idle / 4));
    hostile.push(idleD, idleR);
    // trickled bodies in waves, to the dispatcher and (one in five) straight to a replica
    const head =
      "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: 100000\r\n\r\n";
    const waves: Promise<Awaited<ReturnType<typeof trickle>>[]>[] = [];
    for (let w = 0; w * 10 < p.attackS - BODY_TIMEOUT_S - 3; w++) {
      waves.push(
        sleep(w * 10_000).then(() =>
          Promise.all(
            Array.from({ length: p.slowBodies }, (_, i) =>
              trickle(i % 5 === 4 ? replicas[1].port : d.port, head, {
                everyMs: 250,
                maxMs: (BODY_TIMEOUT_S + 8) * 1000,
              })),
          )
        ),
      );
    }
    // over-limit bodies and heads, malformed multipart
    const declared = await Promise.all(Array.from({ length: 10 }, async () => {
      const c = await open(d.port);
      if (!c) return { line: "(connect failed)", status: 0, ms: 0 };
      await send(c, "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n");
      const r = await readStatus(c, 5000);
      close(c);
      return r;
    }));
    const floods = [
      await chunkedFlood(d.port, 64 << 20),
      await chunkedFlood(replicas[0].port, 64 << 20),
    ];
    const heads = [
      ...(await Promise.all([1, 2, 3].map(() => bigHeader(d.port, 1 << 20)))),
      ...(await Promise.all([1, 2, 3].map(() => manyHeaders(d.port, 5000)))),
    ];
    const valid = await Deno.readFile("testdata/images/synthetic_224x224.png");
    const multipart = (await badRequests("testdata/bad_inputs", valid))
      .filter((r) => r.name.startsWith("multipart ") && !r.name.includes("."))
      .map((request) => ({ request, expect: 400 as const }));
    const malformed = await sendPaced(d.url, [...multipart, ...multipart], {
      seconds: 2,
      concurrency: 2,
    });
    const slow = (await Promise.all(waves)).flat();
    const withAttack = await during.done;
    const lorisClosed = loris.closedByServer;
    for (const h of hostile.splice(0)) h.stop();
    await sleep(1500);
    clearInterval(fdTimer);
    sampler.stop();
    const fdAfter = { dispatcher: fdCount(d.pid), replica: fdCount(replicas[0].pid) };
    const after = await runLoad(stack, "after", normal("after", 3));
    const ok = (rows: typeof base.rows) => rows.filter((r) => r.status === 200);
    const failed = [...withAttack.rows, ...after.rows].filter((r) =>
      r.error !== "dropped" && r.status !== 200
    );
    const baseLat = latencyOf(ok(base.rows));
    const attackLat = latencyOf(ok(withAttack.rows));
    const ratio = attackLat.p95 / baseLat.p95;
    const slow408 = slow.filter((s) => s.status === 408);
    const slowMax = Math.max(0, ...slow.map((s) => s.ms));
    const peak = sampler.maxPeakMib();
    const restarted = [d, ...replicas].filter((x) => !x.alive).length;
    report.set({
      normal_rps: rate,
      normal_sent: base.summary.requests.sent + withAttack.summary.requests.sent +
        after.summary.requests.sent,
      normal_failures: failed.length,
      p95_baseline_ms: round(baseLat.p95),
      p95_under_attack_ms: round(attackLat.p95),
      p95_ratio: round(ratio, 3),
      slowloris_held: loris.opened,
      slowloris_closed_by_server: lorisClosed,
      idle_held: idleD.opened + idleR.opened,
      slow_bodies: slow.length,
      slow_bodies_408: slow408.length,
      slow_body_answer_ms_max: round(slowMax),
      declared_1gib_statuses: JSON.stringify([...new Set(declared.map((x) => x.status))]),
      declared_1gib_ms_max: round(Math.max(...declared.map((x) => x.ms))),
      chunked_flood: JSON.stringify(floods.map((f) => f.line)),
      big_heads: JSON.stringify([...new Set(heads.map((h) => h.line))]),
      malformed_multipart: JSON.stringify([...new Set(malformed.map((m) => m.status))]),
      dispatcher_fds_before_peak_after: `${fdBefore.dispatcher}/${fdPeak}/${fdAfter.dispatcher}`,
      replica_fds_before_after: `${fdBefore.replica}/${fdAfter.replica}`,
      rss_mib_before: JSON.stringify(rssBefore),
      rss_mib_peak: peak,
      restarts: restarted,
    });
    report.check("normal requests all served", failed.length === 0, `${failed.length} failed`);
    report.check(
      `every trickled body gets 408 near the ${BODY_TIMEOUT_S} s deadline`,
      slow408.length === slow.length && slowMax < (BODY_TIMEOUT_S + 3) * 1000,
      `${slow408.length}/${slow.length} got 408; slowest answer ${round(slowMax)} ms`,
    );
    report.check(
      "over-limit bodies get 413 at once",
      declared.every((x) => x.status === 413 && x.ms < 2000) &&
        floods.every((f) => f.status === 413 || f.line === "(reset)" || f.line === "(eof)"),
      `declared: ${[...new Set(declared.map((x) => x.status))]}; chunked: ${
        floods.map((f) => f.line)
      }`,
    );
    report.check(
      "oversized request heads are refused",
      heads.every((h) => h.status === 400 || h.status === 431 || h.status === 0),
      [...new Set(heads.map((h) => h.line))].join(", "),
    );
    report.check(
      "malformed multipart gets 400",
      malformed.every((m) => m.status === 400),
      `${malformed.filter((m) => m.status === 400).length}/${malformed.length}`,
    );
    report.check(`RSS bounded (< ${RSS_BOUND_MIB} MiB)`, peak < RSS_BOUND_MIB, `peak ${peak} MiB`);
    report.check(
      "descriptors come back when the clients leave",
      (fdAfter.dispatcher ?? Infinity) <= (fdBefore.dispatcher ?? 0) + 20,
      `dispatcher fds ${fdBefore.dispatcher} → peak ${fdPeak} → ${fdAfter.dispatcher}`,
    );
    report.check("no process restarts", restarted === 0, `${restarted} exited`);
    report.check(
      "normal p95 rises by at most 25% under attack",
      ratio <= 1.25,
      `baseline ${round(baseLat.p95)} ms, under attack ${round(attackLat.p95)} ms (×${
        round(ratio, 2)
      })`,
      true,
    );
  } finally {
    for (const h of hostile) h.stop();
    await stack.close();
  }
  return report.result();
}
