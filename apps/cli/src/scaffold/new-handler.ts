import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  defaultCatalog,
  EventType,
  normalizeEventType,
  normalizeOperation,
  queueLabel,
  queueNamesFor,
} from "@skyhook/contracts";
import { appendToYamlList } from "./append-to-yaml-list.ts";
import { type ChangeSet, createChangeSet } from "./change-set.ts";
import { insertAtMarker } from "./insert-at-marker.ts";

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

function edit(path: string, change: (text: string) => string, files: ChangeSet) {
  const before = files.read(path);
  const after = change(before);
  if (after === before) throw new ScaffoldError(`${path}: found nothing to change`);
  files.stage(path, after);
}

/** `text` with each (marker, lines) inserted at its `// skyhook:` marker; refuses a missing one. */
function atMarkers(path: string, text: string, insertions: readonly [string, string][]): string {
  let next = text;
  for (const [marker, lines] of insertions) {
    const inserted = insertAtMarker(next, marker, lines);
    if (!inserted.ok) throw new ScaffoldError(`${path}: ${inserted.reason}`);
    next = inserted.text;
  }
  return next;
}

type TemplateValues = {
  eventType: string;
  operation: string;
  dir: string;
  handlerName: string;
  specName: string;
  packageName: string;
  service: string;
  queue: string;
  queueLabel: string;
};

/** The handler package itself: manifest, tsconfig, the handler, its index and its test. */
function stagePackage(files: ChangeSet, packageDir: string, values: TemplateValues): void {
  files.stage(
    `${packageDir}/package.json`,
    `${JSON.stringify(
      {
        name: values.packageName,
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
  files.stage(
    `${packageDir}/tsconfig.json`,
    `{ "extends": "../../../tsconfig.base.json", "include": ["src"] }\n`,
  );
  const { dir } = values;
  files.stage(`${packageDir}/src/index.ts`, fill("index.ts.tpl", values));
  files.stage(`${packageDir}/src/${dir}-handler.ts`, fill("handler.ts.tpl", values));
  files.stage(`${packageDir}/src/${dir}-handler.test.ts`, fill("handler.test.ts.tpl", values));
}

/** Its contract in the contracts, its import and list entry in the worker, its dependency. */
function stageRegistration(files: ChangeSet, values: TemplateValues): void {
  const operations = "packages/contracts/src/operations.ts";
  edit(
    operations,
    (text) =>
      atMarkers(operations, text, [
        ["skyhook:operations", fill("operation.ts.tpl", values)],
        ["skyhook:routed-operations", `${values.specName},\n`],
      ]),
    files,
  );
  const handlers = "apps/worker/src/handlers.ts";
  edit(
    handlers,
    (text) =>
      atMarkers(handlers, text, [
        ["skyhook:handler-imports", fill("handler-import.ts.tpl", values)],
        ["skyhook:installed-handlers", `${values.handlerName},\n`],
      ]),
    files,
  );
  edit(
    "apps/worker/package.json",
    (text) => {
      const manifest = JSON.parse(text) as { dependencies: Record<string, string> };
      manifest.dependencies[values.packageName] = "workspace:*";
      manifest.dependencies = Object.fromEntries(
        Object.entries(manifest.dependencies).sort(([a], [b]) => a.localeCompare(b)),
      );
      return `${JSON.stringify(manifest, null, 2)}\n`;
    },
    files,
  );
}

/**
 * Creates a handler package for (event type, operation) and registers it everywhere the
 * project lists handlers: its contract in `packages/contracts/src/operations.ts`, the worker's
 * `handlers.ts` and `package.json`, a worker service in `docker-compose.yml`, and a worker
 * kind in `deploy/kubernetes/base/workers` (a few lines over the one worker Deployment and its
 * KEDA ScaledObject) listed in the base's kustomization. The two TypeScript files are edited at
 * their `// skyhook:` markers only. Nothing is written until every change is known, so a
 * refusal leaves the checkout as it was. The handler it writes logs each event by its ids,
 * which is idempotent; replace its body with the real work.
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
  const files = createChangeSet(root);
  const write = (path: string, text: string) => files.stage(path, text);
  const values: TemplateValues = {
    eventType,
    operation,
    dir,
    handlerName: `${camel(dir)}Handler`,
    specName: camel(dir),
    packageName,
    service: `worker-${dir}`,
    queue: queueNamesFor(eventType, operation).queue,
    queueLabel: queueLabel(queueNamesFor(eventType, operation).queue),
  };
  stagePackage(files, packageDir, values);
  stageRegistration(files, values);

  const service = values.service;
  edit(
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
    kustomization,
    (text) => {
      const listed = appendToYamlList(text, "resources", workerKind);
      if (!listed.ok) throw new ScaffoldError(`${kustomization}: ${listed.reason}`);
      return listed.text;
    },
    files,
  );
  files.apply();
  return { packageDir, packageName, files: files.paths, service };
}
