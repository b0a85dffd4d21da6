import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import {
  type Kustomization,
  parseWith,
  readKustomization,
  TransformerConfig,
  yamlDocuments,
} from "./kustomization-file.ts";
import { builtinNameReferences, fixNameReferences, type NameReference } from "./kustomize-names.ts";
import { KustomizeError } from "./kustomize-patch.ts";
import { transform } from "./kustomize-transform.ts";

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

export { KustomizeError, readKustomization };

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

/** A content hash shaped as kustomize's: ten hex digits with its letter substitutions. */
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
