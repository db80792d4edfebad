/**
 * A small kustomize renderer for the subset k8s/ uses, so the manifests' tests run with no
 * kustomize binary: `resources` (files and kustomization directories), `namespace`, `labels`
 * (with `includeTemplates`), `configMapGenerator` (files, with `generatorOptions.
 * disableNameSuffixHash: true`) and `patches` (strategic merge by kind and name, with the merge
 * keys of the lists k8s/ patches; or JSON 6902 with a `target`). Anything else in a
 * kustomization is refused, so a manifest change that needs more fails loudly here; where
 * `kubectl kustomize` is installed, tests/k8s_manifests_test.ts checks both agree.
 *
 * @module
 */
import { parseAllDocuments } from "yaml";

/** A Kubernetes object. */
export interface KObject {
  /** API version. */
  apiVersion: string;
  /** Kind. */
  kind: string;
  /** Metadata. */
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const KNOWN_FIELDS = new Set([
  "apiVersion",
  "kind",
  "namespace",
  "labels",
  "resources",
  "patches",
  "configMapGenerator",
  "generatorOptions",
]);

const CLUSTER_SCOPED = new Set([
  "Namespace",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "PersistentVolume",
  "StorageClass",
  "PriorityClass",
]);

/** Merge keys of the lists a strategic-merge patch merges (the Kubernetes patchMergeKeys). */
const MERGE_KEYS: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  volumes: "name",
  env: "name",
  volumeMounts: "mountPath",
  imagePullSecrets: "name",
};

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Parses every document of a YAML text (empty documents skipped). */
export function parseYamlDocuments(text: string, source: string): Json[] {
  const out: Json[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0].message}`);
    const value = doc.toJS() as Json;
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

function asObject(value: Json, source: string): KObject {
  if (!isObject(value) || typeof value.kind !== "string" || !isObject(value.metadata)) {
    throw new Error(`${source}: not a Kubernetes object: ${JSON.stringify(value).slice(0, 80)}`);
  }
  return value as unknown as KObject;
}

/** Strategic merge of `patch` into `target` (both plain JSON); returns the merged value. */
export function strategicMerge(target: Json, patch: Json, key = ""): Json {
  if (isObject(patch) && "$patch" in patch) {
    throw new Error(`$patch directives are not supported (at ${key})`);
  }
  if (isObject(target) && isObject(patch)) {
    const out: Record<string, Json> = { ...target };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete out[k];
      else out[k] = k in out ? strategicMerge(out[k], v, k) : v;
    }
    return out;
  }
  if (Array.isArray(target) && Array.isArray(patch) && MERGE_KEYS[key]) {
    const mk = MERGE_KEYS[key];
    const out = [...target];
    const added: Json[] = [];
    for (const item of patch) {
      if (!isObject(item) || item[mk] === undefined) {
        throw new Error(`${key}: patch item without merge key ${mk}`);
      }
      const i = out.findIndex((t) => isObject(t) && t[mk] === item[mk]);
      if (i >= 0) out[i] = strategicMerge(out[i], item, "");
      else added.push(item);
    }
    // kustomize (kyaml) puts elements the target lacks first, in the patch's order.
    return [...added, ...out];
  }
  return patch;
}

function pointer(path: string): string[] {
  if (!path.startsWith("/")) throw new Error(`JSON pointer must start with /: ${path}`);
  return path.slice(1).split("/").map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** Applies RFC 6902 operations (add, remove, replace) to a copy of `doc`. */
export function jsonPatch(doc: Json, ops: Json[]): Json {
  const root = structuredClone(doc);
  for (const op of ops) {
    if (!isObject(op) || typeof op.op !== "string" || typeof op.path !== "string") {
      throw new Error(`bad JSON patch operation: ${JSON.stringify(op)}`);
    }
    const parts = pointer(op.path);
    const last = parts.pop()!;
    let parent: Json = root;
    for (const p of parts) {
      parent = Array.isArray(parent) ? parent[Number(p)] : isObject(parent) ? parent[p] : null;
      if (parent === null || parent === undefined) throw new Error(`no ${op.path} to patch`);
    }
    if (op.op === "add" || op.op === "replace") {
      if (Array.isArray(parent)) {
        const i = last === "-" ? parent.length : Number(last);
        if (op.op === "add") parent.splice(i, 0, op.value ?? null);
        else parent[i] = op.value ?? null;
      } else if (isObject(parent)) {
        if (op.op === "replace" && !(last in parent)) throw new Error(`no ${op.path} to replace`);
        parent[last] = op.value ?? null;
      }
    } else if (op.op === "remove") {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else if (isObject(parent)) delete parent[last];
    } else throw new Error(`JSON patch op ${op.op} is not supported`);
  }
  return root;
}

function matches(o: KObject, target: Record<string, Json>): boolean {
  return (target.kind === undefined || target.kind === o.kind) &&
    (target.name === undefined || target.name === o.metadata.name) &&
    (target.namespace === undefined || target.namespace === o.metadata.namespace);
}

function addLabels(o: KObject, pairs: Record<string, string>, templates: boolean): KObject {
  const out = structuredClone(o);
  out.metadata.labels = { ...out.metadata.labels, ...pairs };
  if (templates) {
    const spec = out.spec as Record<string, Json> | undefined;
    const template = out.kind === "CronJob"
      ? ((spec?.jobTemplate as Record<string, Json>)?.spec as Record<string, Json>)?.template
      : spec?.template;
    if (isObject(template)) {
      const meta = (template.metadata ?? {}) as Record<string, Json>;
      meta.labels = { ...(meta.labels as Record<string, Json>), ...pairs };
      template.metadata = meta;
    }
  }
  return out;
}

async function readKustomization(dir: string): Promise<Record<string, Json>> {
  for (const name of ["kustomization.yaml", "kustomization.yml", "Kustomization"]) {
    try {
      const text = await Deno.readTextFile(`${dir}/${name}`);
      const [doc] = parseYamlDocuments(text, `${dir}/${name}`);
      if (!isObject(doc)) throw new Error(`${dir}/${name} is not a mapping`);
      const unknown = Object.keys(doc).filter((k) => !KNOWN_FIELDS.has(k));
      if (unknown.length > 0) {
        throw new Error(`${dir}/${name}: unsupported fields ${unknown.join(", ")}`);
      }
      return doc;
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
  }
  throw new Error(`no kustomization file in ${dir}`);
}

function generateConfigMaps(k: Record<string, Json>, dir: string): KObject[] {
  const gens = (k.configMapGenerator ?? []) as Record<string, Json>[];
  if (gens.length === 0) return [];
  const options = (k.generatorOptions ?? {}) as Record<string, Json>;
  if (options.disableNameSuffixHash !== true) {
    throw new Error(
      `${dir}: configMapGenerator needs generatorOptions.disableNameSuffixHash: true`,
    );
  }
  return gens.map((g) => {
    const data: Record<string, string> = {};
    for (const f of (g.files ?? []) as string[]) {
      const [key, path] = f.includes("=") ? f.split("=", 2) : [f.split("/").at(-1)!, f];
      data[key] = Deno.readTextFileSync(`${dir}/${path}`);
    }
    for (const l of (g.literals ?? []) as string[]) {
      const i = l.indexOf("=");
      data[l.slice(0, i)] = l.slice(i + 1);
    }
    return { apiVersion: "v1", kind: "ConfigMap", metadata: { name: String(g.name) }, data };
  });
}

/** Renders the kustomization in `dir` (like `kubectl kustomize DIR`), objects in load order. */
export async function render(dir: string): Promise<KObject[]> {
  const k = await readKustomization(dir);
  let objects: KObject[] = [];
  for (const r of (k.resources ?? []) as string[]) {
    const path = `${dir}/${r}`;
    if ((await Deno.stat(path)).isDirectory) objects.push(...await render(path));
    else {
      const docs = parseYamlDocuments(await Deno.readTextFile(path), path);
      objects.push(...docs.map((d) => asObject(d, path)));
    }
  }
  objects.push(...generateConfigMaps(k, dir));
  for (const p of (k.patches ?? []) as Record<string, Json>[]) {
    const text = typeof p.patch === "string"
      ? p.patch
      : await Deno.readTextFile(`${dir}/${p.path}`);
    const [doc] = parseYamlDocuments(text, `${dir}: patch ${p.path ?? "(inline)"}`);
    const target = (p.target ?? undefined) as Record<string, Json> | undefined;
    if (Array.isArray(doc)) {
      if (!target) throw new Error(`${dir}: a JSON 6902 patch needs a target`);
      const hits = objects.filter((o) => matches(o, target));
      if (hits.length === 0) throw new Error(`${dir}: patch target matches nothing`);
      objects = objects.map((o) =>
        matches(o, target) ? jsonPatch(o as unknown as Json, doc) as unknown as KObject : o
      );
    } else {
      const patch = asObject(doc, `${dir}/${p.path}`);
      const sel = target ?? { kind: patch.kind, name: patch.metadata.name };
      const hits = objects.filter((o) => matches(o, sel));
      if (hits.length !== 1) {
        throw new Error(
          `${dir}: patch for ${patch.kind}/${patch.metadata.name} matches ${hits.length} objects`,
        );
      }
      const { metadata, ...rest } = patch;
      const { name: _name, namespace: _ns, ...meta } = metadata;
      const body = { ...rest, metadata: meta } as unknown as Json;
      objects = objects.map((o) =>
        matches(o, sel) ? strategicMerge(o as unknown as Json, body) as unknown as KObject : o
      );
    }
  }
  if (typeof k.namespace === "string") {
    const ns = k.namespace;
    objects = objects.map((o) =>
      CLUSTER_SCOPED.has(o.kind) ? o : { ...o, metadata: { ...o.metadata, namespace: ns } }
    );
  }
  for (const l of (k.labels ?? []) as Record<string, Json>[]) {
    if (l.includeSelectors) throw new Error(`${dir}: labels.includeSelectors is not supported`);
    const pairs = l.pairs as Record<string, string>;
    objects = objects.map((o) => addLabels(o, pairs, l.includeTemplates === true));
  }
  return objects;
}

/** `Kind/namespace/name` of an object. */
export function objectKey(o: KObject): string {
  return `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
}
