/**
 * The dispatcher's `kubernetes` membership source: a list + watch of `discovery.k8s.io/v1`
 * EndpointSlices labelled `kubernetes.io/service-name=<svc>`, turning ready endpoints' addresses
 * and the named port into replica URLs; it re-lists after any watch error or close.
 *
 * @module
 */
import type { Logger } from "../shared/mod.ts";
import { apiError, k8s, loadKubeConfig } from "./client.ts";

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
