/**
 * The Kubernetes API client (`@kubernetes/client-node`, imported by this folder alone):
 * credentials from the cluster or a kubeconfig, and API errors as {@link KubeApiError}.
 *
 * Tested against a stand-in API server (tests/support/fake_kube_api.ts) that follows the real
 * paths, content types, Status bodies and watch events, not against a real cluster.
 *
 * @module
 */
import * as k8s from "@kubernetes/client-node";

export { k8s };

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

/** The error of a failed call: a {@link KubeApiError} with the Status body's reason. */
export async function apiError(err: unknown, what: string): Promise<Error> {
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

/** Epoch seconds of an API timestamp. */
export function seconds(date: Date | string | undefined): number | undefined {
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
