/**
 * A client of the dispatcher's replica admin API (`GET/PUT/DELETE /admin/replicas`, see
 * lib/dispatcher/app.ts): what the local actuator registers and drains, and what the scraper and
 * the dry-run actuator read.
 *
 * @module
 */

/** One replica as a dispatcher lists it. */
export interface ListedReplica {
  /** Base URL. */
  url: string;
  /** `unready`, `ready`, `ejected` or `draining`. */
  state: string;
  /** Requests sent and not answered. */
  outstanding: number;
}

/** How to reach the admin API. */
export interface AdminOptions {
  /** Timeout per call, ms. */
  timeoutMs: number;
  /** Bearer token (empty: the dispatcher must see a loopback client). */
  token?: string;
  /** Replaces fetch (tests). */
  fetch?: typeof fetch;
}

function call(
  dispatcher: string,
  init: RequestInit,
  query: string,
  o: AdminOptions,
): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  return (o.fetch ?? fetch)(`${dispatcher.replace(/\/+$/, "")}/admin/replicas${query}`, {
    ...init,
    headers,
    signal: AbortSignal.timeout(o.timeoutMs),
  });
}

async function failure(what: string, res: Response | Error): Promise<Error> {
  const why = res instanceof Response
    ? `HTTP ${res.status} ${(await res.text()).slice(0, 200)}`
    : res.message;
  return new Error(`${what} failed: ${why}`);
}

/** The replicas `dispatcher` knows; throws an Error naming the dispatcher on failure. */
export async function listReplicas(dispatcher: string, o: AdminOptions): Promise<ListedReplica[]> {
  const what = `GET ${dispatcher}/admin/replicas`;
  const res = await call(dispatcher, { method: "GET" }, "", o).catch((e) => e as Error);
  if (!(res instanceof Response) || !res.ok) throw await failure(what, res);
  const body = await res.json() as { replicas?: ListedReplica[] };
  if (!Array.isArray(body.replicas)) throw new Error(`${what}: no "replicas" list in the answer`);
  return body.replicas;
}

/** Adds `url` to `dispatcher` (it probes it, then sends it work). */
export async function registerReplica(
  dispatcher: string,
  url: string,
  o: AdminOptions,
): Promise<void> {
  const res = await call(dispatcher, { method: "PUT", body: JSON.stringify({ url }) }, "", o)
    .catch((e) => e as Error);
  if (!(res instanceof Response) || !res.ok) {
    throw await failure(`registering ${url} with ${dispatcher}`, res);
  }
  await res.body?.cancel();
}

/**
 * Drains `url` from `dispatcher` (`DELETE`), then waits until the dispatcher no longer lists it
 * (its outstanding requests finished) or `drainTimeoutMs` passes; returns whether it drained.
 */
export async function drainReplica(
  dispatcher: string,
  url: string,
  o: AdminOptions & { drainTimeoutMs: number; pollMs?: number },
): Promise<boolean> {
  const res = await call(dispatcher, { method: "DELETE" }, `?url=${encodeURIComponent(url)}`, o)
    .catch(() => undefined);
  await res?.body?.cancel();
  const until = Date.now() + o.drainTimeoutMs;
  while (Date.now() < until) {
    const listed = await listReplicas(dispatcher, o).then((rs) => rs.some((r) => r.url === url))
      .catch(() => false);
    if (!listed) return true;
    await new Promise((r) => setTimeout(r, o.pollMs ?? 100));
  }
  return false;
}
