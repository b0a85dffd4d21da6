import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { type Kustomization, type Target, yamlDocuments } from "./kustomization-file.ts";
import type { Manifest, Tracked } from "./kustomize.ts";
import {
  applyJsonPatch,
  applyStrategicMerge,
  type JsonPatchOperation,
  KustomizeError,
} from "./kustomize-patch.ts";

/** A kustomization's transformers, in kustomize's order, over the resources accumulated so far. */

const clusterScopedKinds = new Set(["Namespace"]);
const selectorKinds = new Set(["Service", "Deployment", "PodDisruptionBudget", "NetworkPolicy"]);

const matchesTarget = (item: Tracked, target: Target) => {
  const [group, version] = item.manifest.apiVersion.includes("/")
    ? item.manifest.apiVersion.split("/")
    : ["", item.manifest.apiVersion];
  const names = [item.manifest.metadata.name, ...item.previousNames];
  const name = target.name === undefined ? undefined : new RegExp(`^(?:${target.name})$`);
  return (
    (target.group === undefined || target.group === group) &&
    (target.version === undefined || target.version === version) &&
    (target.kind === undefined || target.kind === item.manifest.kind) &&
    (name === undefined || names.some((n) => name.test(n)))
  );
};

function patch(dir: string, entry: Kustomization["patches"][number], items: Tracked[]) {
  const source = entry.path === undefined ? "an inline patch" : resolve(dir, entry.path);
  const text = entry.patch ?? (entry.path === undefined ? undefined : readFileSync(source, "utf8"));
  const documents = text === undefined ? [] : yamlDocuments(text, source);
  const [content, ...more] = documents;
  if (content === undefined || more.length > 0)
    throw new KustomizeError(`${source}: the emulation models one patch per entry`);
  if (Array.isArray(content)) {
    if (entry.target === undefined)
      throw new KustomizeError(`${source}: a JSON patch needs a target`);
    const target = entry.target;
    for (const item of items.filter((i) => matchesTarget(i, target)))
      applyJsonPatch(item.manifest, content as JsonPatchOperation[]);
    return;
  }
  const smp = content as Manifest;
  const target = entry.target ?? { kind: smp.kind, name: smp.metadata.name };
  const selected = items.filter((i) => matchesTarget(i, target));
  if (entry.target === undefined && selected.length !== 1)
    throw new KustomizeError(`${source}: no unique target for the patch`);
  for (const item of selected) applyStrategicMerge(item.manifest, smp);
}

const mapAt = (owner: Record<string, unknown>, ...path: string[]): Record<string, string> => {
  let at = owner;
  for (const key of path) {
    at[key] ??= {};
    at = at[key] as Record<string, unknown>;
  }
  return at as Record<string, string>;
};

function label(k: Kustomization, items: Tracked[]) {
  for (const { pairs, includeSelectors, includeTemplates } of k.labels) {
    for (const { manifest } of items) {
      Object.assign(mapAt(manifest, "metadata", "labels"), pairs);
      if (!includeSelectors && !includeTemplates) continue;
      if (manifest.kind === "Deployment") {
        Object.assign(mapAt(manifest, "spec", "template", "metadata", "labels"), pairs);
        if (includeSelectors)
          Object.assign(mapAt(manifest, "spec", "selector", "matchLabels"), pairs);
      } else if (manifest.kind === "Service" && includeSelectors) {
        Object.assign(mapAt(manifest, "spec", "selector"), pairs);
      } else if (selectorKinds.has(manifest.kind) && includeSelectors) {
        throw new KustomizeError(
          `the emulation does not model selector labels on ${manifest.kind}`,
        );
      }
    }
  }
}

type Container = { image?: string };
const containersOf = (m: Manifest): Container[] => {
  const spec = (m.spec as { template?: { spec?: Record<string, Container[] | undefined> } })
    ?.template?.spec;
  return [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
};

export function transform(dir: string, k: Kustomization, items: Tracked[]) {
  for (const entry of k.patches) patch(dir, entry, items);
  for (const item of items) {
    const m = item.manifest;
    if (k.namespace !== undefined && !clusterScopedKinds.has(m.kind))
      m.metadata.namespace = k.namespace;
  }
  for (const [affix, key] of [
    [k.namePrefix, "prefixes"],
    [k.nameSuffix, "suffixes"],
  ] as const) {
    if (affix === undefined) continue;
    for (const item of items.filter((i) => !clusterScopedKinds.has(i.manifest.kind))) {
      item.previousNames.push(item.manifest.metadata.name);
      item.manifest.metadata.name =
        key === "prefixes"
          ? `${affix}${item.manifest.metadata.name}`
          : `${item.manifest.metadata.name}${affix}`;
      item[key].push(affix);
    }
  }
  label(k, items);
  for (const { name, count } of k.replicas)
    for (const item of items.filter((i) => matchesTarget(i, { kind: "Deployment", name })))
      (item.manifest.spec as { replicas?: number }).replicas = count;
  for (const image of k.images)
    for (const container of items.flatMap((i) => containersOf(i.manifest))) {
      const [name, tag] = (container.image ?? "").split(":");
      if (name !== image.name) continue;
      const newTag = image.newTag ?? tag;
      container.image = `${image.newName ?? name}${newTag === undefined ? "" : `:${newTag}`}`;
    }
}
