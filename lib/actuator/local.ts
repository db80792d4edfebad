/**
 * The `local` actuator: a process pool of replica.ts on this machine, behaving like a
 * Deployment's ReplicaSet. `scale()` returns at once; the pool converges in the background (like
 * a Deployment): a new replica is spawned on a free loopback port, awaited until ready and
 * registered with every dispatcher; a removed one (unready ones first, then the newest) is
 * drained from every dispatcher, then stopped with SIGTERM. A replica that exits on its own is
 * deregistered and replaced. Scaling up and down step by step: lib/actuator/README.md.
 *
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../shared/mod.ts";
import { drainReplica, registerReplica } from "./dispatcher_admin.ts";
import { spawnReplica } from "./replica_process.ts";
import { type Actuator, type ActuatorPod, clampReplicas, type ScaleResult } from "./types.ts";

/** Options of {@link LocalActuator}. */
export interface LocalActuatorOptions {
  /** Fewest replicas. */
  min: number;
  /** Most replicas. */
  max: number;
  /** Dispatcher base URLs whose admin API gets each replica. */
  dispatchers: string[];
  /** Bearer token for the admin API (empty: loopback). */
  adminToken?: string;
  /** The replica script (default `replica.ts`). */
  script?: string;
  /** Extra replica flags, e.g. `["--backend", "native", "--threads", "1"]`. */
  replicaArgs?: string[];
  /** Deno permission flags for the replica. */
  denoArgs?: string[];
  /** Delay before a new replica starts, seconds, or a draw of it per replica. */
  startupDelayS?: number | (() => number);
  /** CPU request reported per replica, millicores. */
  cpuRequestMilli?: number;
  /** Longest wait for a replica to become ready, ms. */
  readyTimeoutMs?: number;
  /** Longest wait for a dispatcher to drain a replica before SIGTERM, ms. */
  drainTimeoutMs?: number;
  /** Event log. */
  log: Logger;
  /** Epoch ms clock. */
  now?: () => number;
}

interface Proc {
  id: number;
  name: string;
  url?: string;
  child?: Deno.ChildProcess;
  phase: "Pending" | "Running";
  ready: boolean;
  deleting: boolean;
  startTime: number;
  readyTransitionTime?: number;
  done?: Promise<void>;
}

const DENO_ARGS = ["--allow-net", "--allow-read", "--allow-env", "--allow-ffi", "--allow-sys"];

/** The local process-pool actuator. */
export class LocalActuator implements Actuator {
  /** Always `local`. */
  readonly kind = "local";
  readonly #o: Required<Omit<LocalActuatorOptions, "adminToken">> & { adminToken: string };
  #target = 0;
  #nextId = 1;
  readonly #procs = new Map<number, Proc>();
  #closed = false;

  /** Creates an empty pool; call {@link scale} to start replicas. */
  constructor(options: LocalActuatorOptions) {
    this.#o = {
      script: "replica.ts",
      replicaArgs: [],
      denoArgs: DENO_ARGS,
      startupDelayS: 0,
      cpuRequestMilli: 1000,
      readyTimeoutMs: 60_000,
      drainTimeoutMs: 30_000,
      adminToken: "",
      now: Date.now,
      ...options,
    };
  }

  /** The replica count asked for. */
  current(): Promise<number> {
    return Promise.resolve(this.#target);
  }

  /** Sets the replica count and starts converging; resolves at once. */
  scale(replicas: number): Promise<ScaleResult> {
    if (this.#closed) return Promise.reject(new Error("local actuator is closed"));
    const from = this.#target;
    this.#target = clampReplicas(replicas, this.#o);
    this.#reconcile();
    return Promise.resolve({ from, to: this.#target, changed: from !== this.#target });
  }

  /** The replicas, starting and stopping ones included. */
  pods(): Promise<ActuatorPod[]> {
    return Promise.resolve([...this.#procs.values()].map((p) => ({
      name: p.name,
      instance: p.url ? new URL(p.url).host : p.name,
      url: p.url,
      phase: p.phase,
      ready: p.ready,
      deleting: p.deleting,
      startTime: p.startTime / 1000,
      readyTransitionTime: p.readyTransitionTime === undefined
        ? undefined
        : p.readyTransitionTime / 1000,
      cpuRequestMilli: this.#o.cpuRequestMilli,
    })));
  }

  /** Resolves once every replica is ready and the count matches (or rejects after `timeoutMs`). */
  async settled(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const procs = [...this.#procs.values()];
      if (procs.length === this.#target && procs.every((p) => p.ready && !p.deleting)) return;
      if (Date.now() > until) {
        throw new Error(
          `local actuator not settled at ${this.#target} replicas in ${timeoutMs} ms: ${
            JSON.stringify(await this.pods())
          }`,
        );
      }
      await sleep(50);
    }
  }

  /** Drains and stops every replica. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#target = 0;
    for (const p of this.#procs.values()) if (!p.deleting) this.#stop(p);
    await Promise.all([...this.#procs.values()].map((p) => p.done));
  }

  #reconcile(): void {
    const live = [...this.#procs.values()].filter((p) => !p.deleting);
    for (let i = live.length; i < this.#target; i++) this.#start();
    if (live.length > this.#target) {
      const victims = live.sort((a, b) =>
        Number(a.ready) - Number(b.ready) || b.startTime - a.startTime
      )
        .slice(0, live.length - this.#target);
      for (const p of victims) this.#stop(p);
    }
  }

  #start(): void {
    const id = this.#nextId++;
    const proc: Proc = {
      id,
      name: `replica-${id}`,
      phase: "Pending",
      ready: false,
      deleting: false,
      startTime: this.#o.now(),
    };
    this.#procs.set(id, proc);
    proc.done = this.#runProc(proc).catch((err) => {
      this.#o.log("replica_failed", {
        name: proc.name,
        url: proc.url,
        error: (err as Error).message,
      }, "error");
    }).finally(() => {
      this.#procs.delete(id);
      if (!this.#closed && !proc.deleting) this.#reconcile();
    });
  }

  async #runProc(proc: Proc): Promise<void> {
    const delay = this.#o.startupDelayS;
    const seconds = typeof delay === "function" ? delay() : delay;
    if (seconds > 0) await sleep(seconds * 1000);
    if (proc.deleting) return;
    const { child, ready } = spawnReplica({
      script: this.#o.script,
      denoArgs: this.#o.denoArgs,
      args: this.#o.replicaArgs,
      readyTimeoutMs: this.#o.readyTimeoutMs,
      onListening: (url) => {
        proc.url = url;
        proc.name = `replica-${proc.id}@${new URL(url).port}`;
      },
    });
    proc.child = child;
    proc.phase = "Running";
    try {
      await ready;
      if (proc.deleting) return;
      await this.#register(proc);
      if (proc.deleting) return void await this.#deregister(proc);
      proc.ready = true;
      proc.readyTransitionTime = this.#o.now();
      this.#o.log("replica_ready", {
        name: proc.name,
        url: proc.url,
        start_to_ready_ms: proc.readyTransitionTime - proc.startTime,
      });
    } catch (err) {
      if (!proc.deleting) {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
        await child.status;
        throw err;
      }
    }
    const status = await child.status;
    if (!proc.deleting) {
      this.#o.log("replica_exited", { name: proc.name, url: proc.url, code: status.code }, "warn");
      proc.ready = false;
      await this.#deregister(proc).catch(() => {});
    }
  }

  async #register(proc: Proc): Promise<void> {
    const admin = { timeoutMs: 5000, token: this.#o.adminToken };
    for (const d of this.#o.dispatchers) {
      for (let attempt = 1;; attempt++) {
        try {
          await registerReplica(d, proc.url!, admin);
          break;
        } catch (err) {
          if (attempt >= 5 || proc.deleting) throw err;
          await sleep(200 * 2 ** attempt);
        }
      }
    }
  }

  async #deregister(proc: Proc): Promise<void> {
    if (!proc.url) return;
    const admin = {
      timeoutMs: 5000,
      token: this.#o.adminToken,
      drainTimeoutMs: this.#o.drainTimeoutMs,
    };
    await Promise.all(this.#o.dispatchers.map(async (d) => {
      if (!(await drainReplica(d, proc.url!, admin))) {
        this.#o.log("drain_timeout", { url: proc.url, dispatcher: d }, "warn");
      }
    }));
  }

  #stop(proc: Proc): void {
    proc.deleting = true;
    proc.ready = false;
    this.#o.log("replica_stopping", { name: proc.name, url: proc.url });
    const previous = proc.done ?? Promise.resolve();
    proc.done = (async () => {
      await this.#deregister(proc).catch(() => {});
      const child = proc.child;
      if (child) {
        try {
          child.kill("SIGTERM");
        } catch { /* gone */ }
        const killer = setTimeout(() => {
          try {
            child.kill("SIGKILL");
          } catch { /* gone */ }
        }, this.#o.drainTimeoutMs + 5000);
        const status = await child.status;
        clearTimeout(killer);
        this.#o.log("replica_stopped", { name: proc.name, url: proc.url, code: status.code });
      }
      await previous;
    })();
  }
}
