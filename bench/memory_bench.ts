/**
 * Memory under large bodies: a burst of 40 concurrent 16 MiB KServe JSON requests to a real
 * replica (native, 1 thread) and to a real dispatcher (in front of a stand-in replica that
 * answers after 200 ms). For each process: RSS after warm-up, the peak during the burst (sampled
 * every 50 ms from /proc), and RSS 30 s after the burst, against its Deployment's memory limit.
 *
 * Usage: deno run -A bench/memory_bench.ts [--repo DIR] [--after-s 30] → one JSON object on the
 * last line (`--repo` runs another checkout's replica.ts and dispatcher.ts, for before/after).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { type Started, startScript } from "../lib/shared/mod.ts";

const BODY_MIB = 16;
const BURST = 40;

/** A KServe v2 JSON infer body of just under 16 MiB: as many images as fit, every value 0.1. */
function kserveBody(): Uint8Array {
  const floats = 3 * 224 * 224;
  const batch = Math.floor((BODY_MIB * 1024 * 1024 - 200) / (floats * 4));
  const head = `{"inputs":[{"name":"data","shape":[${batch},3,224,224],"datatype":"FP32","data":[`;
  const text = head + "0.1,".repeat(batch * floats - 1) + "0.1]}]}";
  return new TextEncoder().encode(text);
}

function rssMb(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** Sends the burst, sampling RSS; returns the peak and the statuses. */
async function burst(url: string, body: Uint8Array, pid: number) {
  let peak = rssMb(pid);
  let done = false;
  const sampler = (async () => {
    while (!done) {
      peak = Math.max(peak, rssMb(pid));
      await sleep(50);
    }
  })();
  const statuses: Record<string, number> = {};
  await Promise.all(Array.from({ length: BURST }, async () => {
    const res = await fetch(url, { method: "POST", body: body as Uint8Array<ArrayBuffer> })
      .catch(() => undefined);
    await res?.body?.cancel();
    const key = String(res?.status ?? "error");
    statuses[key] = (statuses[key] ?? 0) + 1;
  }));
  done = true;
  await sampler;
  return { peak, statuses };
}

async function measure(proc: Started, path: string, body: Uint8Array, afterS: number) {
  const pid = proc.child.pid;
  await sleep(2000);
  const warm = rssMb(pid);
  const { peak, statuses } = await burst(`http://127.0.0.1:${proc.port}${path}`, body, pid);
  await sleep(afterS * 1000);
  const after = rssMb(pid);
  proc.child.kill("SIGKILL");
  await proc.child.status;
  const mb = (x: number) => Math.round(x);
  return { warm_mb: mb(warm), peak_mb: mb(peak), after_mb: mb(after), statuses };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      repo: { type: "string", default: "." },
      "after-s": { type: "string", default: "30" },
    },
  });
  const repo = values.repo!;
  const afterS = Number(values["after-s"]);
  const body = kserveBody();
  const replica = await startScript("replica.ts", [
    "--host=127.0.0.1",
    "--port=0",
    "--backend=native",
    "--threads=1",
  ], { cwd: repo });
  const replicaResult = await measure(replica, "/v2/models/resnet18/infer", body, afterS);
  const stub = await startScript("tests/support/stub_replica.ts", ["--delay-ms=200", "--port=0"]);
  const dispatcher = await startScript("dispatcher.ts", [
    "--host=127.0.0.1",
    "--port=0",
    `--replicas=http://127.0.0.1:${stub.port}`,
    "--health-interval-s=0.2",
  ], { cwd: repo });
  const dispatcherResult = await measure(dispatcher, "/v2/models/resnet18/infer", body, afterS);
  stub.child.kill("SIGKILL");
  await stub.child.status;
  console.log(JSON.stringify({
    body_bytes: body.length,
    burst: BURST,
    after_s: afterS,
    replica: { ...replicaResult, limit_mb: 1536 },
    dispatcher: { ...dispatcherResult, limit_mb: 512 },
  }));
}
