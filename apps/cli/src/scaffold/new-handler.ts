import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  defaultCatalog,
  EventType,
  knownOperations,
  normalizeEventType,
  normalizeOperation,
  queueLabel,
  queueNamesFor,
} from "@skyhook/contracts";
import { appendToYamlList } from "./append-to-yaml-list.ts";

const templates = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "templates");

/** A file of `apps/cli/templates` with its `{{name}}` placeholders filled in. */
function fill(template: string, values: Readonly<Record<string, string>>): string {
  return readFileSync(join(templates, template), "utf8").replace(
    /\{\{(\w+)\}\}/g,
    (_, name: string) => {
      const value = values[name];
      if (value === undefined)
        throw new ScaffoldError(`template ${template}: no value for {{${name}}}`);
      return value;
    },
  );
}

/** Inserts `lines` after the last top-level import of `text`. */
function afterImports(text: string, lines: string): string {
  const imports = [...text.matchAll(/^import [^;]+;\n/gm)];
  const last = imports.at(-1);
  const at = last === undefined ? 0 : (last.index ?? 0) + last[0].length;
  return `${text.slice(0, at)}${lines}${text.slice(at)}`;
}

const slug = (value: string) => value.toLowerCase().replace(/_/g, "-");
const camel = (kebab: string) => kebab.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export type Scaffolded = {
  packageDir: string;
  packageName: string;
  files: string[];
  service: string;
};

export class ScaffoldError extends Error {
  override name = "ScaffoldError";
}

function edit(root: string, path: string, change: (text: string) => string, files: string[]) {
  const full = join(root, path);
  const before = readFileSync(full, "utf8");
  const after = change(before);
  if (after === before) throw new ScaffoldError(`${path}: found nothing to change`);
  writeFileSync(full, after);
  files.push(path);
}

/** Inserts `item` before the closing bracket of the array literal that starts with `opening`. */
function appendToArray(text: string, opening: string, item: string, path: string): string {
  const start = text.indexOf(opening);
  if (start === -1) throw new ScaffoldError(`${path}: cannot find \`${opening}\``);
  const end = text.indexOf("]", start + opening.length);
  const inside = text.slice(start + opening.length, end).trimEnd();
  const separator = inside === "" || inside.endsWith(",") ? "" : ",";
  const multiline = inside.includes("\n");
  const insertion = multiline ? `${separator}\n  ${item},\n` : `${separator} ${item}`;
  return `${text.slice(0, start + opening.length)}${inside}${insertion}${text.slice(end)}`;
}

/**
 * Creates a handler package for (event type, operation) and registers it everywhere the
 * project lists handlers: its contract in `packages/contracts/src/operations.ts`, the worker's
 * `handlers.ts` and `package.json`, a worker service in `docker-compose.yml`, and a worker
 * kind in `deploy/kubernetes/base/workers` (a few lines over the one worker Deployment and its
 * KEDA ScaledObject) listed in the base's kustomization. The handler
 * it writes logs each event by its ids, which is idempotent; replace its body with the real work.
 */
export function scaffoldHandler(
  root: string,
  rawEventType: string,
  rawOperation: string,
): Scaffolded {
  const eventType = normalizeEventType(rawEventType);
  const operation = normalizeOperation(rawOperation);
  const known = EventType.safeParse(eventType);
  if (!known.success)
    throw new ScaffoldError(
      `${eventType} is not an event type the contracts know (${EventType.options.join(", ")}); add its payload schema to packages/contracts first`,
    );
  if (!/^[A-Z][A-Z0-9_]*$/.test(operation))
    throw new ScaffoldError(`${operation} is not an operation name (A-Z, 0-9, _)`);
  if (defaultCatalog.route(eventType, operation).spec !== undefined)
    throw new ScaffoldError(`${eventType}/${operation} already has a handler`);

  const dir = eventType === "PNR_V3" ? slug(operation) : `${slug(eventType)}-${slug(operation)}`;
  const packageDir = `packages/handlers/${dir}`;
  if (existsSync(join(root, packageDir))) throw new ScaffoldError(`${packageDir} already exists`);
  const packageName = `@skyhook/handler-${dir}`;
  const specName = camel(dir);
  const handlerName = `${specName}Handler`;
  const files: string[] = [];
  const write = (path: string, text: string) => {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), text);
    files.push(path);
  };

  const knownOperation = (knownOperations[known.data] as readonly string[]).includes(operation);
  const schema = knownOperation
    ? `payloadSchemas.${eventType}.${operation}`
    : `eventTypeSchemas.${eventType}`;

  write(
    `${packageDir}/package.json`,
    `${JSON.stringify(
      {
        name: packageName,
        version: "0.1.0",
        private: true,
        type: "module",
        exports: { ".": "./src/index.ts" },
        dependencies: {
          "@skyhook/contracts": "workspace:*",
          "@skyhook/handler-kit": "workspace:*",
        },
        // The first test sends the sending side's sample of the event type.
        devDependencies: { "@skyhook/spotnana-sender": "workspace:*" },
      },
      null,
      2,
    )}\n`,
  );
  write(
    `${packageDir}/tsconfig.json`,
    `{ "extends": "../../../tsconfig.base.json", "include": ["src"] }\n`,
  );
  const values = {
    eventType,
    operation,
    dir,
    handlerName,
    specName,
    packageName,
    schema,
    schemaImport: knownOperation ? "payloadSchemas" : "eventTypeSchemas",
    service: `worker-${dir}`,
    queue: queueNamesFor(eventType, operation).queue,
    queueLabel: queueLabel(queueNamesFor(eventType, operation).queue),
  };
  write(`${packageDir}/src/index.ts`, fill("index.ts.tpl", values));
  write(`${packageDir}/src/${dir}-handler.ts`, fill("handler.ts.tpl", values));
  write(`${packageDir}/src/${dir}-handler.test.ts`, fill("handler.test.ts.tpl", values));

  const operations = "packages/contracts/src/operations.ts";
  edit(
    root,
    operations,
    (text) => {
      let next = text;
      if (!new RegExp(`\\b${values.schemaImport}\\b`).test(next)) {
        next = afterImports(next, fill("schema-import.ts.tpl", values));
      }
      const definition = fill("operation.ts.tpl", values);
      const anchor = next.indexOf("/** Operations that have a queue of their own.");
      if (anchor === -1)
        throw new ScaffoldError(`${operations}: cannot find the routedOperations list`);
      next = `${next.slice(0, anchor)}${definition}${next.slice(anchor)}`;
      return appendToArray(next, "export const routedOperations = [", specName, operations);
    },
    files,
  );

  edit(
    root,
    "apps/worker/src/handlers.ts",
    (text) => {
      const withImport = afterImports(text, fill("handler-import.ts.tpl", values));
      return appendToArray(
        withImport,
        "export const installedHandlers: readonly Handler<WorkerDeps>[] = [",
        handlerName,
        "apps/worker/src/handlers.ts",
      );
    },
    files,
  );

  edit(
    root,
    "apps/worker/package.json",
    (text) => {
      const manifest = JSON.parse(text) as { dependencies: Record<string, string> };
      manifest.dependencies[packageName] = "workspace:*";
      manifest.dependencies = Object.fromEntries(
        Object.entries(manifest.dependencies).sort(([a], [b]) => a.localeCompare(b)),
      );
      return `${JSON.stringify(manifest, null, 2)}\n`;
    },
    files,
  );

  const service = values.service;
  edit(
    root,
    "docker-compose.yml",
    (text) => {
      const anchor = text.indexOf("\n  dashboard:\n");
      if (anchor === -1)
        throw new ScaffoldError("docker-compose.yml: cannot find the dashboard service");
      return `${text.slice(0, anchor)}${fill("compose-service.yml.tpl", values).trimEnd()}\n${text.slice(anchor)}`;
    },
    files,
  );

  const workerKind = `workers/${dir}`;
  write(
    `deploy/kubernetes/base/${workerKind}/kustomization.yaml`,
    fill("kubernetes-worker.yaml.tpl", values),
  );
  const kustomization = "deploy/kubernetes/base/kustomization.yaml";
  edit(
    root,
    kustomization,
    (text) => {
      const listed = appendToYamlList(text, "resources", workerKind);
      if (!listed.ok) throw new ScaffoldError(`${kustomization}: ${listed.reason}`);
      return listed.text;
    },
    files,
  );
  return { packageDir, packageName, files, service };
}
