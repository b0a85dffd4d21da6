import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { z } from "zod";
import { KustomizeError } from "./kustomize-patch.ts";

/** A kustomization file as the emulation reads it: the fields it models, nothing else. */

export const Target = z
  .object({
    group: z.string().optional(),
    version: z.string().optional(),
    kind: z.string().optional(),
    name: z.string().optional(),
  })
  .strict();
export type Target = z.infer<typeof Target>;

export const Kustomization = z
  .object({
    apiVersion: z.string().optional(),
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
export type Kustomization = z.infer<typeof Kustomization>;

export const TransformerConfig = z
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

export const yamlDocuments = (text: string, source: string): unknown[] =>
  parseAllDocuments(text).flatMap((document) => {
    if (document.errors.length > 0) throw new KustomizeError(`${source}: ${document.errors[0]}`);
    const value: unknown = document.toJS();
    return value === null || value === undefined ? [] : [value];
  });

export function parseWith<T>(schema: z.ZodType<T>, value: unknown, source: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new KustomizeError(
      `${source}: outside what the emulation models: ${z.prettifyError(parsed.error)}`,
    );
  return parsed.data;
}

export function readKustomization(dir: string): Kustomization {
  const file = join(dir, "kustomization.yaml");
  return parseWith(Kustomization, yamlDocuments(readFileSync(file, "utf8"), file)[0], file);
}
