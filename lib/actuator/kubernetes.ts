/**
 * Kubernetes, through `@kubernetes/client-node` (this is the only module importing it):
 *
 * - the `kubernetes` actuator: GET and PATCH (`application/merge-patch+json`) of the Deployment's
 *   scale subresource `/apis/apps/v1/namespaces/{ns}/deployments/{name}/scale`, conditional on the
 *   `resourceVersion` just read, retried on 409 Conflict; the count is clamped to [min, max] before
 *   any call; pods are listed with the scale's `status.selector`;
 * - {@link watchEndpointSlices}: the dispatcher's `kubernetes` membership source, a list + watch of
 *   `discovery.k8s.io/v1` EndpointSlices labelled `kubernetes.io/service-name=<svc>`, turning
 *   ready endpoints' addresses and the named port into replica URLs; it re-lists after any watch
 *   error or close.
 *
 * Credentials: in-cluster service account, else `$KUBECONFIG` / `~/.kube/config`
 * (`KubeConfig.loadFromDefault`), or a {@link kubeConfigFor} a given server.
 *
 * NOT RUN AGAINST A REAL CLUSTER: both parts are tested against a stand-in API server
 * (tests/support/fake_kube_api.ts) that follows the real paths, content types, 409/403 Status
 * bodies and JSON watch events, not against a Kubernetes API server.
 *
 * @module
 */
import * as k8s from "@kubernetes/client-node";
import type { Logger } from "../shared/log.ts";
import { type Actuator, type ActuatorPod, clampReplicas, type ScaleResult } from "./types.ts";

/** A failed API call: HTTP status, the Status `reason` and `message` from the body. */
export class KubeApiError extends Error {
  /** Creates the error. */
  constructor(readonly status: number, readonly reason: string, message: string) {
    super(message);
    this.name = "KubeApiError";
  }
}

/** Credentials from the cluster (in a pod) or the default kubeconfig. */
export function loadKubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  return kc;
}

/**
 * A kubeconfig for one server with an optional bearer token (tests, explicit setups). The client
 * refuses plain `http:` servers unless TLS verification is marked skipped, so it is for those.
 */
export function kubeConfigFor(server: string, token?: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server, skipTLSVerify: server.startsWith("http:") }],
    users: [{ name: "u", ...(token ? { token } : {}) }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return kc;
}

async function apiError(err: unknown, what: string): Promise<Error> {
  if (!(err instanceof k8s.ApiException)) {
    return new Error(`${what} failed: ${(err as Error).message}`);
  }
  let body = await Promise.resolve(err.body);
  if (typeof body === "string") {
    try {
      body = JSON.parse(body);
    } catch { /* keep text */ }
  }
  const status = body as { reason?: string; message?: string } | string | undefined;
  const reason = typeof status === "object" ? status?.reason ?? "" : "";
  const message = typeof status === "object" ? status?.message ?? "" : String(status ?? "");
  return new KubeApiError(
    err.code,
    reason,
    `${what} failed: HTTP ${err.code} ${reason}: ${message}`.trim(),
  );
}

function seconds(date: Date | string | undefined): number | undefined {
  if (date === undefined) return undefined;
  return new Date(date).getTime() / 1000;
}

/** Millicores from a Kubernetes CPU quantity (`"500m"`, `"1"`, `"0.25"`); 0 if absent. */
export function cpuMillis(quantity: string | number | undefined): number {
  if (quantity === undefined) return 0;
  const text = String(quantity);
  const value = text.endsWith("m") ? Number(text.slice(0, -1)) : Number(text) * 1000;
  if (!Number.isFinite(value)) {
    throw new RangeError(`CPU quantity must be like 500m or 1: got ${text}`);
  }
  return value;
}

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

/** Replica URLs of the ready endpoints in `slices`, using the port named `portName` (or the first). */
export function endpointUrls(slices: Iterable<k8s.V1EndpointSlice>, portName: string): string[] {
  const urls = new Set<string>();
  for (const slice of slices) {
    const port = (slice.ports ?? []).find((p) => portName === "" || p.name === portName);
    if (port?.port === undefined) continue;
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      for (const address of ep.addresses) {
        const host = address.includes(":") ? `[${address}]` : address;
        urls.add(`http://${host}:${port.port}`);
      }
    }
  }
  return [...urls].sort();
}

/** Options of {@link watchEndpointSlices}. */
export interface EndpointWatchOptions {
  /** Namespace of the Service. */
  namespace: string;
  /** Service name (`kubernetes.io/service-name` label value). */
  service: string;
  /** Port name in the slices (empty: the first port). */
  portName: string;
  /** Called with the full URL list after every change. */
  onUrls: (urls: string[]) => void;
  /** Stops the watch. */
  signal: AbortSignal;
  /** Credentials; default {@link loadKubeConfig}. */
  kubeConfig?: k8s.KubeConfig;
  /** Wait before re-listing after an error, ms (default 1000). */
  retryMs?: number;
  /** Event log. */
  log: Logger;
}

/** Lists and watches the Service's EndpointSlices until `signal` aborts; resolves then. */
export async function watchEndpointSlices(o: EndpointWatchOptions): Promise<void> {
  const kc = o.kubeConfig ?? loadKubeConfig();
  const discovery = kc.makeApiClient(k8s.DiscoveryV1Api);
  const watch = new k8s.Watch(kc);
  const labelSelector = `kubernetes.io/service-name=${o.service}`;
  const path = `/apis/discovery.k8s.io/v1/namespaces/${o.namespace}/endpointslices`;
  let last = "";
  const publish = (slices: Map<string, k8s.V1EndpointSlice>) => {
    const urls = endpointUrls(slices.values(), o.portName);
    const key = urls.join(",");
    if (key === last) return;
    last = key;
    o.log("endpoints", { service: o.service, urls });
    o.onUrls(urls);
  };
  while (!o.signal.aborted) {
    const slices = new Map<string, k8s.V1EndpointSlice>();
    try {
      const list = await discovery.listNamespacedEndpointSlice({
        namespace: o.namespace,
        labelSelector,
      });
      for (const s of list.items) slices.set(s.metadata?.name ?? "", s);
      publish(slices);
      const resourceVersion = list.metadata?.resourceVersion;
      await new Promise<void>((resolve, reject) => {
        let controller: AbortController | undefined;
        const onAbort = () => {
          controller?.abort();
          resolve();
        };
        o.signal.addEventListener("abort", onAbort, { once: true });
        watch.watch(
          path,
          { labelSelector, resourceVersion, allowWatchBookmarks: true },
          (type, obj) => {
            const slice = obj as k8s.V1EndpointSlice;
            if (type === "ADDED" || type === "MODIFIED") {
              slices.set(slice.metadata?.name ?? "", slice);
            } else if (type === "DELETED") {
              slices.delete(slice.metadata?.name ?? "");
            } else if (type === "ERROR") {
              controller?.abort();
              return reject(new Error(`watch ERROR event: ${JSON.stringify(obj)}`));
            } else return;
            publish(slices);
          },
          (err) => {
            o.signal.removeEventListener("abort", onAbort);
            if (err && !o.signal.aborted) reject(err);
            else resolve();
          },
        ).then((c) => {
          controller = c;
          if (o.signal.aborted) c.abort();
        }, reject);
      });
      if (!o.signal.aborted) {
        o.log("endpoints_watch_closed", { service: o.service });
        await abortableSleep(100, o.signal);
      }
    } catch (err) {
      if (o.signal.aborted) break;
      const e = await apiError(err, `list/watch EndpointSlices of ${o.service}`);
      o.log("endpoints_watch_error", { service: o.service, error: e.message }, "warn");
      await abortableSleep(o.retryMs ?? 1000, o.signal);
    }
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
