import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  defaultCatalog,
  EventType,
  knownOperations,
  normalizeEventType,
  normalizeOperation,
} from "@skyhook/contracts";

/** A payload each event type's schema accepts, for the generated handler's first test. */
const samplePayloads: Record<EventType, Record<string, unknown>> = {
  PNR_V3: { pnrId: "PNR-1", tripId: "TRIP-1", version: 1 },
  TRAVELER_V2: { id: "USER-1" },
  TRIP_DETAILS_V3: { tripId: "TRIP-1" },
  PNR_APPROVAL: { pnrId: "PNR-1", approvalId: "APPROVAL-1" },
  AGENT_TASK_DETAILS: { id: "TASK-1", pnrId: "PNR-1" },
  SERVICE_CHARGE: { entity: {} },
};

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
 * `handlers.ts` and `package.json`, and a worker service in `docker-compose.yml`. The handler
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
      },
      null,
      2,
    )}\n`,
  );
  write(
    `${packageDir}/tsconfig.json`,
    `{ "extends": "../../../tsconfig.base.json", "include": ["src"] }\n`,
  );
  write(`${packageDir}/src/index.ts`, `export { ${handlerName} } from "./${dir}-handler.ts";\n`);
  write(
    `${packageDir}/src/${dir}-handler.ts`,
    `import { defineHandler } from "@skyhook/handler-kit";

/**
 * Handles ${eventType}/${operation}. It records each event by its ids; replace the body with
 * the real work, keeping it idempotent (ctx.idempotencyKey is stable across redeliveries) and
 * throwing PermanentError when a retry cannot help.
 */
export const ${handlerName} = defineHandler({
  eventType: "${eventType}",
  operation: "${operation}",
  async handle(event, ctx) {
    ctx.logger.info(
      { entityId: event.keys.entityId, pnrId: event.keys.pnrId, deliveryId: ctx.idempotencyKey },
      "${operation} received",
    );
  },
});
`,
  );
  write(
    `${packageDir}/src/${dir}-handler.test.ts`,
    `import { defaultCatalog } from "@skyhook/contracts";
import { createTestContext } from "@skyhook/handler-kit";
import { describe, expect, it } from "vitest";
import { ${handlerName} } from "./${dir}-handler.ts";

describe("${handlerName}", () => {
  it("handles a ${eventType}/${operation} event that passes its payload schema", async () => {
    const spec = defaultCatalog.route("${eventType}", "${operation}").spec;
    expect(spec, "the operation is registered in the contracts").toBeDefined();
    const payload = spec?.payload.parse(${JSON.stringify(samplePayloads[known.data])});
    const ctx = createTestContext({});
    await ${handlerName}.handle(
      {
        eventType: "${eventType}",
        operation: "${operation}",
        payload,
        envelope: { payload },
        keys: {},
        receivedAt: new Date(),
      },
      ctx,
    );
    expect(ctx.logs.map((l) => l.msg)).toContain("${operation} received");
  });
});
`,
  );

  const operations = "packages/contracts/src/operations.ts";
  edit(
    root,
    operations,
    (text) => {
      let next = text;
      const schemaImport = knownOperation ? "payloadSchemas" : "eventTypeSchemas";
      if (
        !new RegExp(
          `import \\{[^}]*\\b${schemaImport}\\b[^}]*\\} from "./payload-schemas.ts"`,
        ).test(next)
      ) {
        next = next.replace(
          /(import \{ createCatalog, defineOperation \} from "\.\/operation-spec\.ts";\n)/,
          `$1import { ${schemaImport} } from "./payload-schemas.ts";\n`,
        );
      }
      const definition = `export const ${specName} = defineOperation({\n  eventType: "${eventType}",\n  operation: "${operation}",\n  payload: ${schema},\n});\n\n`;
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
      const withImport = text.replace(
        /(import type \{ Handler \} from "@skyhook\/handler-kit";\n)/,
        `import { ${handlerName} } from "${packageName}";\n$1`,
      );
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

  const service = `worker-${dir}`;
  edit(
    root,
    "docker-compose.yml",
    (text) => {
      const anchor = text.indexOf("\n  dashboard:\n");
      if (anchor === -1)
        throw new ScaffoldError("docker-compose.yml: cannot find the dashboard service");
      const block = `\n  ${service}:\n    <<: *worker\n    environment:\n      <<: *skyhook-env\n      WORKER_OPERATIONS: ${eventType}/${operation}\n      WORKER_CONCURRENCY: \${${operation}_CONCURRENCY:-10}\n      SHUTDOWN_TIMEOUT_MS: "20000"\n`;
      return `${text.slice(0, anchor)}${block}${text.slice(anchor)}`;
    },
    files,
  );
  return { packageDir, packageName, files, service };
}
