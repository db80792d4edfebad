/**
 * The `kubernetes` actuator: GET and PATCH (`application/merge-patch+json`) of the Deployment's
 * scale subresource, conditional on the `resourceVersion` just read and retried on 409 Conflict;
 * the count is clamped to [min, max] before any call; pods are listed with the scale's
 * `status.selector`.
 *
 * @module
 */
import type { Logger } from "../shared/mod.ts";
import {
  type Actuator,
  type ActuatorPod,
  clampReplicas,
  type ScaleResult,
} from "../actuator/mod.ts";
import { apiError, cpuMillis, k8s, KubeApiError, loadKubeConfig, seconds } from "./client.ts";

/** Options of {@link createKubernetesActuator}. */
export interface KubernetesActuatorOptions {
  /** Namespace of the Deployment. */
  namespace: string;
  /** Deployment name. */
  deployment: string;
  /** Fewest replicas. */
  min: number;
  /** Most replicas. */
  max: number;
  /** Credentials; default {@link loadKubeConfig}. */
  kubeConfig?: k8s.KubeConfig;
  /** Attempts on 409 Conflict (default 5). */
  conflictRetries?: number;
  /** Event log. */
  log: Logger;
}

/** The Deployment scale actuator. */
export function createKubernetesActuator(o: KubernetesActuatorOptions): Actuator {
  const kc = o.kubeConfig ?? loadKubeConfig();
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const name = o.deployment, namespace = o.namespace;
  const where = `deployments/${name} in ${namespace}`;
  const readScale = async () => {
    try {
      return await apps.readNamespacedDeploymentScale({ name, namespace });
    } catch (err) {
      throw await apiError(err, `GET scale of ${where}`);
    }
  };
  return {
    kind: "kubernetes",
    async current() {
      return (await readScale()).spec?.replicas ?? 0;
    },
    async scale(replicas: number): Promise<ScaleResult> {
      const to = clampReplicas(replicas, o);
      const attempts = o.conflictRetries ?? 5;
      for (let attempt = 1;; attempt++) {
        const scale = await readScale();
        const from = scale.spec?.replicas ?? 0;
        if (from === to) return { from, to, changed: false };
        const body = {
          metadata: { resourceVersion: scale.metadata?.resourceVersion },
          spec: { replicas: to },
        };
        try {
          await apps.patchNamespacedDeploymentScale(
            { name, namespace, body },
            k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
          );
          o.log("scaled", { deployment: name, namespace, from, to, attempt });
          return { from, to, changed: true };
        } catch (err) {
          const e = await apiError(err, `PATCH scale of ${where} to ${to}`);
          if (e instanceof KubeApiError && e.status === 409 && attempt < attempts) {
            o.log("scale_conflict", { deployment: name, attempt }, "warn");
            continue;
          }
          throw e;
        }
      }
    },
    async pods(): Promise<ActuatorPod[]> {
      const selector = (await readScale()).status?.selector;
      if (!selector) return [];
      let list;
      try {
        list = await core.listNamespacedPod({ namespace, labelSelector: selector });
      } catch (err) {
        throw await apiError(err, `GET pods of ${where}`);
      }
      return list.items.map((pod): ActuatorPod => {
        const ready = pod.status?.conditions?.find((c) => c.type === "Ready");
        const request = (pod.spec?.containers ?? []).reduce(
          (sum, c) => sum + cpuMillis(c.resources?.requests?.cpu as string | undefined),
          0,
        );
        const phase = pod.status?.phase === "Running" ? "Running" : "Pending";
        return {
          name: pod.metadata?.name ?? "",
          instance: pod.metadata?.name ?? "",
          url: pod.status?.podIP ? `http://${pod.status.podIP}` : undefined,
          phase,
          ready: ready?.status === "True",
          deleting: pod.metadata?.deletionTimestamp !== undefined,
          startTime: seconds(pod.status?.startTime) ?? 0,
          readyTransitionTime: seconds(ready?.lastTransitionTime),
          cpuRequestMilli: request || 1000,
        };
      });
    },
    close: () => Promise.resolve(),
  };
}
