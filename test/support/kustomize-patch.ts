/**
 * The two patch languages of kustomize's `patches`, as kustomize applies them: RFC 6902 JSON
 * patches, and strategic merge patches — merged by each list's merge key for the built-in kinds
 * modelled here, as a JSON merge patch (RFC 7386) for custom resources, which have no keys.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export class KustomizeError extends Error {
  override name = "KustomizeError";
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const pointer = (path: string): string[] =>
  path
    .split("/")
    .slice(1)
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"));

export type JsonPatchOperation = { op: string; path: string; value?: unknown };

/** Applies RFC 6902 `add`, `replace` and `remove` to `document` in place. */
export function applyJsonPatch(
  document: Record<string, unknown>,
  operations: JsonPatchOperation[],
): void {
  for (const { op, path, value } of operations) {
    const parts = pointer(path);
    const last = parts.pop();
    if (last === undefined)
      throw new KustomizeError(`${op} ${path}: cannot patch the whole document`);
    let parent = document as Json;
    for (const part of parts) {
      const next: Json | undefined = Array.isArray(parent)
        ? parent[Number(part)]
        : isObject(parent)
          ? parent[part]
          : undefined;
      if (next === undefined) throw new KustomizeError(`${op} ${path}: ${part} does not exist`);
      parent = next;
    }
    const copy = structuredClone(value) as Json;
    if (Array.isArray(parent)) {
      const index = last === "-" ? parent.length : Number(last);
      if (!Number.isInteger(index) || index < 0 || index > parent.length)
        throw new KustomizeError(`${op} ${path}: no index ${last}`);
      if (op === "add") parent.splice(index, 0, copy);
      else if (op === "replace" && index < parent.length) parent[index] = copy;
      else if (op === "remove" && index < parent.length) parent.splice(index, 1);
      else throw new KustomizeError(`${op} ${path}: no element ${last}`);
    } else if (isObject(parent)) {
      if (op !== "add" && !(last in parent)) throw new KustomizeError(`${op} ${path}: no member`);
      if (op === "remove") delete parent[last];
      else if (op === "add" || op === "replace") parent[last] = copy;
      else throw new KustomizeError(`${op} ${path}: the emulation models add, replace and remove`);
    } else {
      throw new KustomizeError(`${op} ${path}: the parent is not a container`);
    }
  }
}

/**
 * The merge keys of the lists a Deployment's strategic merge patches reach (from the
 * Kubernetes API's `x-kubernetes-patch-merge-key`); every other list is replaced whole.
 */
const deploymentMergeKeys: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  env: "name",
  ports: "containerPort",
  volumeMounts: "mountPath",
  volumes: "name",
  imagePullSecrets: "name",
};

/** The built-in kinds whose strategic merge this file models, with their lists' merge keys. */
const mergeKeysOf: Record<string, Record<string, string>> = {
  "apps/Deployment": deploymentMergeKeys,
  "/ConfigMap": {},
  "/Secret": {},
  "networking.k8s.io/NetworkPolicy": {},
};

const groupOf = (apiVersion: string) => (apiVersion.includes("/") ? apiVersion.split("/")[0] : "");

/** Custom resources (a group with a dot that is not Kubernetes' own) have no merge keys. */
const isCustomResource = (apiVersion: string) => {
  const group = groupOf(apiVersion) ?? "";
  return group.includes(".") && !group.endsWith("k8s.io");
};

function merge(target: Json, patch: Json, keys: Record<string, string>, field: string): Json {
  if (isObject(patch)) {
    if (patch.$patch !== undefined)
      throw new KustomizeError("the emulation models no $patch directive");
    const result: JsonObject = isObject(target) ? { ...target } : {};
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete result[key];
      else result[key] = merge(result[key] ?? null, value, keys, key);
    }
    return result;
  }
  const key = keys[field];
  if (Array.isArray(patch) && Array.isArray(target) && key !== undefined) {
    // kustomize puts the patch's elements first, in its order, then the target's others.
    const keyOf = (item: Json) => (isObject(item) ? item[key] : undefined);
    const patched = patch.map((item) => {
      const same = target.find((existing) => keyOf(existing) === keyOf(item));
      return same === undefined ? item : merge(same, item, keys, field);
    });
    const rest = target.filter((item) => !patch.some((p) => keyOf(p) === keyOf(item)));
    return [...patched, ...rest];
  }
  return structuredClone(patch);
}

/** A strategic merge patch of `document` (in place), as kustomize applies one. */
export function applyStrategicMerge(
  document: Record<string, unknown>,
  patch: Record<string, unknown>,
): void {
  const apiVersion = String(document.apiVersion);
  const kind = String(document.kind);
  const keys = isCustomResource(apiVersion) ? {} : mergeKeysOf[`${groupOf(apiVersion)}/${kind}`];
  if (keys === undefined)
    throw new KustomizeError(`the emulation models no strategic merge for ${apiVersion} ${kind}`);
  // The patch's name only finds its target; its labels and annotations are merged.
  const { apiVersion: _a, kind: _k, ...body } = patch;
  if (isObject(body.metadata)) {
    const { name: _n, namespace: _ns, ...metadata } = body.metadata;
    body.metadata = metadata;
  }
  const merged = merge(document as Json, body as Json, keys, "");
  if (!isObject(merged)) throw new KustomizeError("a strategic merge patch must be an object");
  Object.assign(document, merged);
  for (const key of Object.keys(document)) if (!(key in merged)) delete document[key];
}
