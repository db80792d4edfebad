/**
 * The built-in scraper: fetches `/metrics` from a set of targets, keeps timestamped samples per
 * series for a window, and evaluates `rate()` and `histogram_quantile()` over them with
 * Prometheus's semantics, so the autoscaler works with no Prometheus running. Every series gets
 * an `instance` label (`host:port` of its target), as Prometheus adds. The semantics of `rate()`,
 * `histogram_quantile()` and stale series are spelled out in lib/metrics/README.md.
 *
 * @module
 */
import { parseExposition, type Sample } from "./text_format.ts";

/** One timestamped value; `t` in seconds. */
export interface Point {
  /** Time, seconds. */
  t: number;
  /** Value. */
  v: number;
}

/** A labelled value of an instant vector. */
export interface VectorItem {
  /** Labels, including `instance`. */
  labels: Record<string, string>;
  /** Value. */
  value: number;
}

/** Health of one scrape target. */
export interface TargetHealth {
  /** `host:port`. */
  instance: string;
  /** Base URL scraped. */
  url: string;
  /** Whether the latest scrape succeeded. */
  up: boolean;
  /** Time of the latest scrape attempt, seconds. */
  lastScrape: number;
  /** Time of the latest successful scrape, seconds (`-Infinity` if none). */
  lastSuccess: number;
  /** Why the latest scrape failed. */
  error?: string;
}

interface Series {
  name: string;
  labels: Record<string, string>;
  points: Point[];
}

/**
 * Prometheus's `extrapolatedRate` for a counter over `[start, end]` (seconds); `undefined` with
 * fewer than two points. `points` must be in time order and inside the range.
 */
export function extrapolatedRate(
  points: readonly Point[],
  start: number,
  end: number,
): number | undefined {
  if (points.length < 2) return undefined;
  const first = points[0], last = points[points.length - 1];
  let correction = 0;
  for (let i = 1; i < points.length; i++) {
    if (points[i].v < points[i - 1].v) correction += points[i - 1].v;
  }
  const increase = last.v - first.v + correction;
  const sampled = last.t - first.t;
  if (sampled <= 0) return undefined;
  let toStart = first.t - start;
  const toEnd = end - last.t;
  const average = sampled / (points.length - 1);
  if (increase > 0 && first.v >= 0) {
    const toZero = sampled * (first.v / increase);
    if (toZero < toStart) toStart = toZero;
  }
  const threshold = average * 1.1;
  let interval = sampled;
  interval += toStart < threshold ? toStart : average / 2;
  interval += toEnd < threshold ? toEnd : average / 2;
  return (increase * (interval / sampled)) / (end - start);
}

/**
 * Prometheus's `bucketQuantile`: the `q` quantile from cumulative bucket counts keyed by upper
 * bound. Non-monotonic counts (from rate noise) are made monotonic first, as Prometheus does.
 */
export function histogramQuantile(
  q: number,
  buckets: readonly { le: number; count: number }[],
): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  if (sorted.length < 2 || sorted[sorted.length - 1].le !== Infinity) return NaN;
  let max = -Infinity;
  for (const b of sorted) {
    if (b.count > max) max = b.count;
    else b.count = max;
  }
  const observations = sorted[sorted.length - 1].count;
  if (!(observations > 0)) return NaN;
  let rank = q * observations;
  const b = sorted.findIndex((x) => x.count >= rank);
  if (b === sorted.length - 1) return sorted[sorted.length - 2].le;
  if (b === 0 && sorted[0].le <= 0) return sorted[0].le;
  let bucketStart = 0;
  const bucketEnd = sorted[b].le;
  let count = sorted[b].count;
  if (b > 0) {
    bucketStart = sorted[b - 1].le;
    count -= sorted[b - 1].count;
    rank -= sorted[b - 1].count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

/** `sum by (labels) (vector)`: one item per distinct value of the `by` labels. */
export function sumBy(vector: readonly VectorItem[], by: readonly string[]): VectorItem[] {
  const groups = new Map<string, VectorItem>();
  for (const item of vector) {
    const labels: Record<string, string> = {};
    for (const name of by) if (item.labels[name] !== undefined) labels[name] = item.labels[name];
    const key = JSON.stringify(by.map((n) => labels[n] ?? ""));
    const group = groups.get(key);
    if (group) group.value += item.value;
    else groups.set(key, { labels, value: item.value });
  }
  return [...groups.values()];
}

/** `histogram_quantile(q, sum(rate(NAME_bucket[w])) by (le))` over a vector of bucket rates. */
export function quantileOfBucketRates(q: number, bucketRates: readonly VectorItem[]): number {
  const buckets = sumBy(bucketRates, ["le"])
    .filter((b) => b.labels.le !== undefined)
    .map((b) => ({ le: Number(b.labels.le === "+Inf" ? Infinity : b.labels.le), count: b.value }));
  return histogramQuantile(q, buckets);
}

function matches(labels: Record<string, string>, match: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(match)) if (labels[k] !== v) return false;
  return true;
}

/** Scraped samples per series, kept for `retentionS` seconds. */
export class SeriesStore {
  readonly #series = new Map<string, Series>();
  readonly #targets = new Map<string, TargetHealth>();
  readonly #retentionS: number;

  /** An empty store keeping samples for `retentionS` seconds (at least the longest window). */
  constructor(options: { retentionS: number }) {
    this.#retentionS = options.retentionS;
  }

  /** Records a successful scrape of `url` at time `t` (seconds). */
  ingest(url: string, samples: readonly Sample[], t: number): void {
    const instance = new URL(url).host;
    this.#targets.set(instance, { instance, url, up: true, lastScrape: t, lastSuccess: t });
    for (const s of samples) {
      const labels = { ...s.labels, instance };
      const key = s.name + JSON.stringify(Object.entries(labels).sort());
      let series = this.#series.get(key);
      if (!series) this.#series.set(key, series = { name: s.name, labels, points: [] });
      const lastT = series.points.at(-1)?.t;
      if (lastT === undefined || t > lastT) series.points.push({ t, v: s.value });
    }
    this.prune(t);
  }

  /** Records a failed scrape of `url` at time `t`. */
  failed(url: string, t: number, error: string): void {
    const instance = new URL(url).host;
    const prev = this.#targets.get(instance);
    this.#targets.set(instance, {
      instance,
      url,
      up: false,
      lastScrape: t,
      lastSuccess: prev?.lastSuccess ?? -Infinity,
      error,
    });
  }

  /** Forgets a target that is no longer scraped, and its series. */
  forget(url: string): void {
    const instance = new URL(url).host;
    this.#targets.delete(instance);
    for (const [key, s] of this.#series) {
      if (s.labels.instance === instance) this.#series.delete(key);
    }
  }

  /** Drops points older than the retention and series left empty. */
  prune(now: number): void {
    const cutoff = now - this.#retentionS;
    for (const [key, s] of this.#series) {
      let i = 0;
      while (i < s.points.length && s.points[i].t < cutoff) i++;
      if (i > 0) s.points.splice(0, i);
      if (s.points.length === 0) this.#series.delete(key);
    }
  }

  /** Every target's health. */
  targets(): TargetHealth[] {
    return [...this.#targets.values()];
  }

  /** Latest value of each `name` series exposed in its target's latest successful scrape. */
  instant(name: string, match: Record<string, string> = {}): VectorItem[] {
    const out: VectorItem[] = [];
    for (const s of this.#series.values()) {
      if (s.name !== name || !matches(s.labels, match)) continue;
      const target = this.#targets.get(s.labels.instance);
      const last = s.points.at(-1);
      if (!target?.up || !last || last.t !== target.lastSuccess) continue;
      out.push({ labels: s.labels, value: last.v });
    }
    return out;
  }

  /** `rate(name{match}[windowS])` at `now`: one item per series with two or more points. */
  rate(
    name: string,
    windowS: number,
    now: number,
    match: Record<string, string> = {},
  ): VectorItem[] {
    const out: VectorItem[] = [];
    const start = now - windowS;
    for (const s of this.#series.values()) {
      if (s.name !== name || !matches(s.labels, match)) continue;
      const points = s.points.filter((p) => p.t >= start && p.t <= now);
      const value = extrapolatedRate(points, start, now);
      if (value !== undefined) out.push({ labels: s.labels, value });
    }
    return out;
  }
}

/** Fetches and parses `URL/metrics`; throws an Error naming the target on failure. */
export async function scrapeTarget(
  url: string,
  options: { timeoutMs: number; fetch?: typeof fetch },
): Promise<Sample[]> {
  const doFetch = options.fetch ?? fetch;
  const target = `${url.replace(/\/+$/, "")}/metrics`;
  let res: Response;
  try {
    res = await doFetch(target, { signal: AbortSignal.timeout(options.timeoutMs) });
  } catch (err) {
    const e = err as Error;
    const why = e.name === "TimeoutError" ? `timed out after ${options.timeoutMs} ms` : e.message;
    throw new Error(`scrape ${target} failed: ${why}`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`scrape ${target} failed: HTTP ${res.status}`);
  }
  const text = await res.text();
  try {
    return parseExposition(text);
  } catch (err) {
    throw new Error(`scrape ${target} failed: ${(err as Error).message}`);
  }
}

/**
 * Scrapes every target of `urls` at once at time `now` (seconds) into `store`; targets not in
 * `urls` any more are forgotten. Returns the health of each target scraped.
 */
export async function scrapeAll(
  store: SeriesStore,
  urls: readonly string[],
  now: number,
  options: { timeoutMs: number; fetch?: typeof fetch },
): Promise<TargetHealth[]> {
  const wanted = new Set(urls.map((u) => new URL(u).host));
  for (const t of store.targets()) if (!wanted.has(t.instance)) store.forget(t.url);
  await Promise.all(urls.map(async (url) => {
    try {
      store.ingest(url, await scrapeTarget(url, options), now);
    } catch (err) {
      store.failed(url, now, (err as Error).message);
    }
  }));
  return store.targets();
}
