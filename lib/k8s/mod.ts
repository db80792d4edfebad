/**
 * Kubernetes: the API client, the Deployment scale actuator and EndpointSlice discovery. Loaded
 * on demand (`await import`), since the client library is large and only cluster setups use it.
 *
 * @example
 * ```ts
 * const { watchEndpointSlices } = await import("./lib/k8s/mod.ts");
 * ```
 *
 * @module
 */
export { cpuMillis, KubeApiError, kubeConfigFor, loadKubeConfig } from "./client.ts";
export { createKubernetesActuator, type KubernetesActuatorOptions } from "./scale.ts";
export { endpointUrls, type EndpointWatchOptions, watchEndpointSlices } from "./endpoint_slices.ts";
