import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { z } from "zod";
import { builtinNameReferences, fixNameReferences, type NameReference } from "./kustomize-names.ts";
import {
  applyJsonPatch,
  applyStrategicMerge,
  type JsonPatchOperation,
  KustomizeError,
} from "./kustomize-patch.ts";

/**
 * `kubectl kustomize <dir>` for the fields and kinds Skyhook's manifests use, with kustomize's
 * semantics: resources and components accumulated in order, each kustomization's generators
 * then its transformers in kustomize's order (patches, namespace, prefix, suffix, labels,
 * replicas, images), and — once, at the very end — hashed names for generated resources and
 * name references fixed. Any other field or kind is refused (KustomizeError) rather than
 * rendered wrongly. Where kubectl is installed, test/kubernetes.test.ts holds this to it.
 */

export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
};

/** A resource as kustomize tracks it: its names so far and the prefixes and suffixes given. */
export type Tracked = {
  manifest: Manifest;
  previousNames: string[];
  prefixes: string[];
  suffixes: string[];
  generated: boolean;
};

export { KustomizeError };

const modelledKinds = new Set([
  "Namespace",
  "ConfigMap",
  "Secret",
  "Service",
  "Deployment",
  "PodDisruptionBudget",
  "NetworkPolicy",
  "ScaledObject",
]);
const clusterScopedKinds = new Set(["Namespace"]);
const selectorKinds = new Set(["Service", "Deployment", "PodDisruptionBudget", "NetworkPolicy"]);

const Target = z
  .object({
    group: z.string().optional(),
    version: z.string().optional(),
    kind: z.string().optional(),
    name: z.string().optional(),
  })
  .strict();
type Target = z.infer<typeof Target>;

const Kustomization = z
  .object({
    apiVersion: z.string(),
    kind: z.enum(["Kustomization", "Component"]).default("Kustomization"),
    resources: z.array(z.string()).default([]),
    components: z.array(z.string()).default([]),
    namespace: z.string().optional(),
    namePrefix: z.string().optional(),
    nameSuffix: z.string().optional(),
    labels: z
      .array(
        z
          .object({
            pairs: z.record(z.string(), z.string()),
            includeSelectors: z.boolean().default(false),
            includeTemplates: z.boolean().default(false),
          })
          .strict(),
      )
      .default([]),
    patches: z
      .array(
        z
          .object({
            path: z.string().optional(),
            patch: z.string().optional(),
            target: Target.optional(),
          })
          .strict(),
      )
      .default([]),
    images: z
      .array(
        z
          .object({
            name: z.string(),
            newName: z.string().optional(),
            newTag: z.string().optional(),
          })
          .strict(),
      )
      .default([]),
    replicas: z.array(z.object({ name: z.string(), count: z.number() }).strict()).default([]),
    secretGenerator: z
      .array(
        z
          .object({
            name: z.string(),
            envs: z.array(z.string()).default([]),
            literals: z.array(z.string()).default([]),
          })
          .strict(),
      )
      .default([]),
    configurations: z.array(z.string()).default([]),
  })
  .strict();
type Kustomization = z.infer<typeof Kustomization>;

const TransformerConfig = z
  .object({
    nameReference: z.array(
      z
        .object({
          kind: z.string(),
          fieldSpecs: z.array(z.object({ kind: z.string().optional(), path: z.string() }).strict()),
        })
        .strict(),
    ),
  })
  .strict();

const yamlDocuments = (text: string, source: string): unknown[] =>
  parseAllDocuments(text).flatMap((document) => {
    if (document.errors.length > 0) throw new KustomizeError(`${source}: ${document.errors[0]}`);
    const value: unknown = document.toJS();
    return value === null || value === undefined ? [] : [value];
  });

function parseWith<T>(schema: z.ZodType<T>, value: unknown, source: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new KustomizeError(
      `${source}: the emulation does not model ${z.prettifyError(parsed.error)}`,
    );
  return parsed.data;
}

export function readKustomization(dir: string): Kustomization {
  const file = join(dir, "kustomization.yaml");
  return parseWith(Kustomization, yamlDocuments(readFileSync(file, "utf8"), file)[0], file);
}

type Accumulator = { items: Tracked[]; nameReferences: NameReference[] };

const track = (manifest: Manifest, generated = false): Tracked => {
  if (!modelledKinds.has(manifest.kind))
    throw new KustomizeError(`the emulation does not model ${manifest.kind}`);
  return { manifest, previousNames: [], prefixes: [], suffixes: [], generated };
};

const idOf = ({ manifest: m }: Tracked) =>
  `${m.apiVersion.split("/").slice(0, -1).join("/")}|${m.kind}|${m.metadata.namespace ?? ""}|${m.metadata.name}`;

function append(acc: Accumulator, items: Tracked[]) {
  for (const item of items) {
    if (acc.items.some((other) => idOf(other) === idOf(item)))
      throw new KustomizeError(`may not add resource with an already registered id: ${idOf(item)}`);
    acc.items.push(item);
  }
}

function accumulate(dir: string, acc: Accumulator, expected: Kustomization["kind"]): Accumulator {
  const k = readKustomization(dir);
  if (k.kind !== expected) throw new KustomizeError(`${dir}: expected a ${expected}`);
  for (const entry of k.resources) {
    const path = resolve(dir, entry);
    if (statSync(path).isDirectory()) {
      const sub = accumulate(path, { items: [], nameReferences: [] }, "Kustomization");
      append(acc, sub.items);
      acc.nameReferences.push(...sub.nameReferences);
    } else {
      append(
        acc,
        yamlDocuments(readFileSync(path, "utf8"), path).map((m) => track(m as Manifest)),
      );
    }
  }
  for (const entry of k.components) accumulate(resolve(dir, entry), acc, "Component");
  for (const entry of k.configurations) {
    const file = resolve(dir, entry);
    const config = parseWith(
      TransformerConfig,
      yamlDocuments(readFileSync(file, "utf8"), file)[0],
      file,
    );
    acc.nameReferences.push(...config.nameReference);
  }
  append(acc, generateSecrets(dir, k));
  transform(dir, k, acc.items);
  return acc;
}

function generateSecrets(dir: string, k: Kustomization): Tracked[] {
  return k.secretGenerator.map((generator) => {
    const lines = [
      ...generator.envs.flatMap((file) => readFileSync(resolve(dir, file), "utf8").split("\n")),
      ...generator.literals,
    ]
      .map((line) => line.trimStart())
      .filter((line) => line !== "" && !line.startsWith("#"));
    const data: Record<string, string> = {};
    for (const line of lines) {
      const at = line.indexOf("=");
      if (at < 1) throw new KustomizeError(`${generator.name}: "${line}" is not KEY=value`);
      data[line.slice(0, at)] = Buffer.from(line.slice(at + 1)).toString("base64");
    }
    const manifest = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: generator.name },
      type: "Opaque",
      data,
    };
    return track(manifest, true);
  });
}

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

function transform(dir: string, k: Kustomization, items: Tracked[]) {
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

/** kustomize's encoding of a content hash: ten hex digits, with the vowel-free substitutions. */
const nameHash = (manifest: Manifest) =>
  createHash("sha256")
    .update(JSON.stringify(manifest))
    .digest("hex")
    .slice(0, 10)
    .replace(/[013ae]/g, (c) => ({ "0": "g", "1": "h", "3": "k", a: "m", e: "t" })[c] ?? c);

/** What `kubectl kustomize <dir>` prints, as objects (in accumulation order, not kubectl's). */
export function kustomize(dir: string): Manifest[] {
  const acc = accumulate(dir, { items: [], nameReferences: [] }, "Kustomization");
  for (const item of acc.items.filter((i) => i.generated)) {
    item.previousNames.push(item.manifest.metadata.name);
    item.manifest.metadata.name = `${item.manifest.metadata.name}-${nameHash(item.manifest)}`;
  }
  fixNameReferences(acc.items, [...builtinNameReferences, ...acc.nameReferences]);
  return acc.items.map((item) => item.manifest);
}
