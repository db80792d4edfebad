/**
 * The actuator `autoscaler run` scales through: local replica processes, a Kubernetes
 * Deployment's scale subresource (loaded on demand), or a dry run that reads the dispatcher.
 *
 * @module
 */
import {
  type Actuator,
  type ActuatorPod,
  createDryRunActuator,
  listReplicas,
  LocalActuator,
} from "../actuator/mod.ts";
import { createRng, type Logger } from "../shared/mod.ts";
import { createStartupSampler, K8S_CALIBRATION } from "../sim/mod.ts";
import type { AutoscalerOptions } from "./flags.ts";

/** The replicas the first dispatcher lists, as pods (the dry run's view of the world). */
function dispatcherPods(o: AutoscalerOptions, dispatcher: string): () => Promise<ActuatorPod[]> {
  return async () => {
    const replicas = await listReplicas(dispatcher, {
      timeoutMs: o.queryTimeoutMs,
      token: o.adminToken,
    });
    return replicas.map((r) => ({
      name: new URL(r.url).host,
      instance: new URL(r.url).host,
      url: r.url,
      phase: "Running",
      ready: r.state === "ready",
      deleting: r.state === "draining",
      startTime: 0,
      cpuRequestMilli: o.cpuRequestMilli,
    }));
  };
}

/** Startup delays drawn like the simulator's pods (its built-in cluster calibration). */
function clusterStartup(): () => number {
  return createStartupSampler(K8S_CALIBRATION.startup, createRng(Date.now() >>> 0));
}

/** The actuator `--actuator` names, at its starting count. */
export async function buildActuator(
  o: AutoscalerOptions,
  log: Logger,
  dispatchers: string[],
): Promise<Actuator> {
  const initial = o.replicas < 0 ? o.min : o.replicas;
  if (o.actuator === "local") {
    const local = new LocalActuator({
      min: o.min,
      max: o.max,
      dispatchers,
      adminToken: o.adminToken,
      script: o.replicaScript,
      replicaArgs: o.replicaArgs.split(/\s+/).filter(Boolean),
      startupDelayS: o.startupDistribution === "cluster" ? clusterStartup() : o.startupDelayS,
      cpuRequestMilli: o.cpuRequestMilli,
      log,
    });
    await local.scale(initial);
    return local;
  }
  if (o.actuator === "kubernetes") {
    const { createKubernetesActuator } = await import("../k8s/mod.ts");
    return createKubernetesActuator({
      namespace: o.k8sNamespace,
      deployment: o.k8sDeployment,
      min: o.min,
      max: o.max,
      log,
    });
  }
  const observe = dispatchers.length === 0 ? undefined : dispatcherPods(o, dispatchers[0]);
  return createDryRunActuator({ replicas: initial, min: o.min, max: o.max, observe, log });
}
