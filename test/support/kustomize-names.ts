import type { Tracked } from "./kustomize.ts";
import { KustomizeError } from "./kustomize-patch.ts";

/** A kind, and the fields of other kinds that name one of it (kustomize's `nameReference`). */
export type NameReference = {
  kind: string;
  fieldSpecs: Array<{ kind?: string | undefined; path: string }>;
};

const podSpecPaths = (prefix: string, containerPath: string) =>
  ["containers", "initContainers"].map((c) => `${prefix}/${c}/${containerPath}`);

/** The part of kustomize's built-in name references that reaches the kinds modelled here. */
export const builtinNameReferences: NameReference[] = [
  {
    kind: "ConfigMap",
    fieldSpecs: [
      ...podSpecPaths("spec/template/spec", "env/valueFrom/configMapKeyRef/name"),
      ...podSpecPaths("spec/template/spec", "envFrom/configMapRef/name"),
      "spec/template/spec/volumes/configMap/name",
      "spec/template/spec/volumes/projected/sources/configMap/name",
    ].map((path) => ({ kind: "Deployment", path })),
  },
  {
    kind: "Secret",
    fieldSpecs: [
      ...podSpecPaths("spec/template/spec", "env/valueFrom/secretKeyRef/name"),
      ...podSpecPaths("spec/template/spec", "envFrom/secretRef/name"),
      "spec/template/spec/volumes/secret/secretName",
      "spec/template/spec/volumes/projected/sources/secret/name",
      "spec/template/spec/imagePullSecrets/name",
    ].map((path) => ({ kind: "Deployment", path })),
  },
  {
    kind: "Deployment",
    fieldSpecs: [{ kind: "HorizontalPodAutoscaler", path: "spec/scaleTargetRef/name" }],
  },
];

/** Every string at `path` below `node` (lists are walked through), with a setter for each. */
function fieldsAt(
  node: unknown,
  path: string[],
): Array<{ value: string; set: (v: string) => void }> {
  if (Array.isArray(node)) return node.flatMap((item) => fieldsAt(item, path));
  if (typeof node !== "object" || node === null) return [];
  const [key, ...rest] = path;
  if (key === undefined) return [];
  const record = node as Record<string, unknown>;
  const value = record[key];
  if (rest.length > 0) return fieldsAt(value, rest);
  return typeof value === "string" ? [{ value, set: (v) => (record[key] = v) }] : [];
}

/** kustomize's utils.SameEndingSubSlice: the shorter list ends the longer one. */
function sameEnding(a: string[], b: string[]): boolean {
  const [shorter, longer] = a.length <= b.length ? [a, b] : [b, a];
  if (shorter.length === 0) return longer.length === 0;
  const offset = longer.length - shorter.length;
  return shorter.every((value, i) => longer[i + offset] === value);
}

/**
 * kustomize's FixBackReferences: a field naming a resource by a name it had before a prefix,
 * suffix or hash now names it as it is called. When several resources had that name (one base
 * included twice with different suffixes), the one given the referrer's prefixes and suffixes
 * is meant; when that leaves several, the build fails, as kustomize's does.
 */
export function fixNameReferences(items: Tracked[], references: NameReference[]): void {
  for (const { kind, fieldSpecs } of references) {
    for (const referrer of items) {
      for (const spec of fieldSpecs) {
        if (spec.kind !== undefined && spec.kind !== referrer.manifest.kind) continue;
        for (const field of fieldsAt(
          referrer.manifest,
          spec.path.replace(/\[\]/g, "").split("/"),
        )) {
          let candidates = items.filter(
            (c) =>
              c.manifest.kind === kind &&
              c.previousNames.includes(field.value) &&
              (c.manifest.metadata.namespace ?? "") ===
                (referrer.manifest.metadata.namespace ?? ""),
          );
          if (candidates.length > 1)
            candidates = candidates.filter(
              (c) =>
                sameEnding(c.prefixes, referrer.prefixes) &&
                sameEnding(c.suffixes, referrer.suffixes),
            );
          const names = new Set(candidates.map((c) => c.manifest.metadata.name));
          const [name, ...others] = names;
          if (others.length > 0)
            throw new KustomizeError(
              `${referrer.manifest.metadata.name}: several ${kind}s were ${field.value}`,
            );
          if (name !== undefined) field.set(name);
        }
      }
    }
  }
}
