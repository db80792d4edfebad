/**
 * A stand-in Kubernetes API server for tests: a real HTTP server on loopback that follows the
 * real API paths and shapes for what this project uses —
 *
 * - `GET|PATCH /apis/apps/v1/namespaces/{ns}/deployments/{name}/scale` (autoscaling/v1 Scale;
 *   PATCH only as `application/merge-patch+json`, 415 otherwise; 409 Conflict when the patch's
 *   `metadata.resourceVersion` is stale; 403 Forbidden when the verb is forbidden),
 * - `GET /api/v1/namespaces/{ns}/pods?labelSelector=` (PodList),
 * - `GET /apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices?labelSelector=...` (list) and
 *   with `watch=1|true` a stream of JSON watch events, one per line.
 *
 * Errors are `v1 Status` JSON bodies like the API server's. It is not a Kubernetes API server:
 * no field selectors, no resourceVersion semantics on watches beyond sending later events.
 *
 * @module
 */

/** A deployment's scale as stored. */
export interface FakeDeployment {
  /** `spec.replicas`. */
  replicas: number;
  /** `status.selector`. */
  selector: string;
  /** Current resourceVersion. */
  resourceVersion: number;
}

/** A recorded request. */
export interface FakeRequest {
  /** HTTP method. */
  method: string;
  /** Path. */
  path: string;
  /** Query parameters. */
  query: Record<string, string>;
  /** Content-Type header. */
  contentType: string | null;
  /** Authorization header. */
  authorization: string | null;
  /** Body text. */
  body: string;
}

/** A running fake API server. */
export interface FakeKubeApi {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** Deployments by `ns/name`. */
  deployments: Map<string, FakeDeployment>;
  /** Pods returned by the pod list (any selector). */
  pods: unknown[];
  /** EndpointSlices by name (namespace `default`, any service label). */
  slices: Map<string, unknown>;
  /** Every request seen. */
  requests: FakeRequest[];
  /** Verbs answered 403 (`get`, `patch`, `list`, `watch`). */
  forbidden: Set<string>;
  /** The next N PATCHes see a concurrent writer bump the resourceVersion first (→ 409). */
  interfere: number;
  /** Stores a slice and sends a watch event to every open watch. */
  emit(
    type: "ADDED" | "MODIFIED" | "DELETED" | "ERROR",
    slice: { metadata: { name: string } } | Record<string, unknown>,
  ): void;
  /** Ends every open watch stream (clients must re-list). */
  closeWatches(): void;
  /** Number of watch streams open now. */
  readonly openWatches: number;
  /** Stops the server. */
  close(): Promise<void>;
}

function status(
  code: number,
  reason: string,
  message: string,
  details: Record<string, unknown> = {},
) {
  return new Response(
    JSON.stringify({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message,
      reason,
      details,
      code,
    }),
    { status: code, headers: { "content-type": "application/json" } },
  );
}

const json = (body: unknown) =>
  new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });

/** Starts the fake server on a free loopback port; `token` makes a bearer token mandatory. */
export function startFakeKubeApi(options: { token?: string } = {}): FakeKubeApi {
  const deployments = new Map<string, FakeDeployment>();
  const slices = new Map<string, unknown>();
  const watchers = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const encoder = new TextEncoder();
  let sliceVersion = 1;
  const api: Omit<FakeKubeApi, "url" | "close" | "openWatches"> = {
    deployments,
    pods: [],
    slices,
    requests: [],
    forbidden: new Set(),
    interfere: 0,
    emit(type, slice) {
      const name = (slice as { metadata?: { name?: string } }).metadata?.name ?? "";
      sliceVersion++;
      if (type === "DELETED") slices.delete(name);
      else if (type !== "ERROR") slices.set(name, slice);
      const line = encoder.encode(JSON.stringify({ type, object: slice }) + "\n");
      for (const w of watchers) w.enqueue(line);
    },
    closeWatches() {
      for (const w of watchers) w.close();
      watchers.clear();
    },
  };

  const scale = (ns: string, name: string, d: FakeDeployment) => ({
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: { name, namespace: ns, resourceVersion: String(d.resourceVersion) },
    spec: { replicas: d.replicas },
    status: { replicas: d.replicas, selector: d.selector },
  });

  const handle = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const body = req.method === "GET" ? "" : await req.text();
    api.requests.push({
      method: req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType: req.headers.get("content-type"),
      authorization: req.headers.get("authorization"),
      body,
    });
    if (options.token && req.headers.get("authorization") !== `Bearer ${options.token}`) {
      return status(401, "Unauthorized", "Unauthorized");
    }
    let m = url.pathname.match(
      /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)\/scale$/,
    );
    if (m) {
      const [, ns, name] = m;
      const verb = req.method === "PATCH" ? "patch" : req.method === "GET" ? "get" : "";
      if (!verb) return status(405, "MethodNotAllowed", `method ${req.method} not allowed`);
      if (api.forbidden.has(verb)) {
        return status(
          403,
          "Forbidden",
          `deployments.apps "${name}" is forbidden: User "system:serviceaccount:${ns}:autoscaler" cannot ${verb} resource "deployments/scale" in API group "apps" in the namespace "${ns}"`,
          { name, group: "apps", kind: "deployments" },
        );
      }
      const d = deployments.get(`${ns}/${name}`);
      if (!d) {
        return status(404, "NotFound", `deployments.apps "${name}" not found`, {
          name,
          group: "apps",
          kind: "deployments",
        });
      }
      if (verb === "get") return json(scale(ns, name, d));
      if (req.headers.get("content-type")?.split(";")[0] !== "application/merge-patch+json") {
        return status(
          415,
          "UnsupportedMediaType",
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
        );
      }
      if (api.interfere > 0) {
        api.interfere--;
        d.resourceVersion++;
      }
      const patch = JSON.parse(body) as {
        metadata?: { resourceVersion?: string };
        spec?: { replicas?: number };
      };
      const rv = patch.metadata?.resourceVersion;
      if (rv !== undefined && rv !== String(d.resourceVersion)) {
        return status(
          409,
          "Conflict",
          `Operation cannot be fulfilled on deployments.apps "${name}": the object has been modified; please apply your changes to the latest version and try again`,
          { name, group: "apps", kind: "deployments" },
        );
      }
      if (patch.spec?.replicas !== undefined) d.replicas = patch.spec.replicas;
      d.resourceVersion++;
      return json(scale(ns, name, d));
    }
    m = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods$/);
    if (m) {
      if (api.forbidden.has("list")) {
        return status(403, "Forbidden", `pods is forbidden: cannot list resource "pods"`);
      }
      return json({
        kind: "PodList",
        apiVersion: "v1",
        metadata: { resourceVersion: "1" },
        items: api.pods,
      });
    }
    m = url.pathname.match(/^\/apis\/discovery\.k8s\.io\/v1\/namespaces\/([^/]+)\/endpointslices$/);
    if (m) {
      const watch = url.searchParams.get("watch");
      if (watch === "1" || watch === "true") {
        if (api.forbidden.has("watch")) {
          return status(
            403,
            "Forbidden",
            `endpointslices.discovery.k8s.io is forbidden: cannot watch`,
          );
        }
        let self: ReadableStreamDefaultController<Uint8Array>;
        const stream = new ReadableStream<Uint8Array>({
          start(c) {
            self = c;
            watchers.add(c);
          },
          cancel() {
            watchers.delete(self);
          },
        });
        return new Response(stream, {
          headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
        });
      }
      if (api.forbidden.has("list")) {
        return status(
          403,
          "Forbidden",
          `endpointslices.discovery.k8s.io is forbidden: cannot list`,
        );
      }
      return json({
        kind: "EndpointSliceList",
        apiVersion: "discovery.k8s.io/v1",
        metadata: { resourceVersion: String(sliceVersion) },
        items: [...slices.values()],
      });
    }
    return status(
      404,
      "NotFound",
      `the server could not find the requested resource (${url.pathname})`,
    );
  };

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handle);
  const out = Object.assign(api, {
    url: `http://127.0.0.1:${server.addr.port}`,
    async close() {
      api.closeWatches();
      await server.shutdown();
    },
  });
  Object.defineProperty(out, "openWatches", { get: () => watchers.size });
  return out as FakeKubeApi;
}

/** An EndpointSlice of `service` with one port and endpoints `[address, ready]`. */
export function endpointSlice(
  name: string,
  service: string,
  port: { name: string; port: number },
  endpoints: [string, boolean][],
): Record<string, unknown> & { metadata: { name: string; [k: string]: unknown } } {
  return {
    kind: "EndpointSlice",
    apiVersion: "discovery.k8s.io/v1",
    metadata: { name, namespace: "default", labels: { "kubernetes.io/service-name": service } },
    addressType: "IPv4",
    ports: [{ name: port.name, port: port.port, protocol: "TCP" }],
    endpoints: endpoints.map(([address, ready]) => ({
      addresses: [address],
      conditions: { ready },
    })),
  };
}
