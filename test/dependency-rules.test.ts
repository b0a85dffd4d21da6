import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The dependency table of docs/conventions ("Dependency rules"), plus the two packages it does
 * not list: service-kit (apps only) and booking-store (handlers and the worker only). Any
 * package's tests may also play Spotnana: the sending side as a devDependency, which only its
 * test files import.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

type Role =
  | "contracts"
  | "handler-kit"
  | "booking-store"
  | "service-kit"
  | "queue-kit"
  | "handler"
  | "ingress"
  | "worker"
  | "dashboard"
  | "cli"
  | "spotnana-sender";

type Rule = {
  /** Workspace packages (by role) this one may depend on; anything else in the repo is refused. */
  workspace: readonly Role[];
  /** External packages: `only` lists everything allowed, `never` lists what is refused. */
  external: { only: readonly string[] } | { never: readonly string[] };
};

/**
 * The OpenTelemetry SDK: built once per process where the process is composed (service-kit),
 * from the OTEL_* settings. Everything else writes spans through `@opentelemetry/api` alone,
 * which is a no-op until a provider is handed in.
 */
const otelSdk = [
  "@opentelemetry/core",
  "@opentelemetry/exporter-trace-otlp-http",
  "@opentelemetry/resources",
  "@opentelemetry/sdk-trace-base",
] as const;

const rules: Record<Role, Rule> = {
  contracts: { workspace: [], external: { only: ["zod"] } },
  // Handlers get trace headers as plain strings; they never see OpenTelemetry.
  "handler-kit": {
    workspace: ["contracts"],
    external: { never: ["bullmq", "express", "@opentelemetry/api", ...otelSdk] },
  },
  "booking-store": { workspace: ["contracts"], external: { only: ["ioredis", "zod"] } },
  // The API for the types it hands out, the SDK to build the process's tracer provider.
  "service-kit": {
    workspace: ["contracts"],
    external: { only: ["pino", "zod", "@opentelemetry/api", ...otelSdk] },
  },
  // What several processes know of BullMQ and Redis; never Express, never handler code.
  "queue-kit": {
    workspace: ["contracts"],
    external: { only: ["bullmq", "ioredis", "pino", "zod", "prom-client", "@opentelemetry/api"] },
  },
  handler: {
    workspace: ["contracts", "handler-kit", "booking-store"],
    external: { never: ["bullmq", "express"] },
  },
  ingress: { workspace: ["contracts", "service-kit", "queue-kit"], external: { never: otelSdk } },
  worker: {
    workspace: ["contracts", "handler-kit", "handler", "booking-store", "service-kit", "queue-kit"],
    external: { never: ["express", ...otelSdk] },
  },
  // Not in the table: an app like the ingress that must not load handler code either.
  dashboard: { workspace: ["contracts", "service-kit", "queue-kit"], external: { never: [] } },
  // The operator's tool: reaches Redis through queue-kit, never loads handler code.
  cli: {
    workspace: ["contracts", "service-kit", "queue-kit", "spotnana-sender"],
    external: { never: ["express", "bullmq"] },
  },
  // The other side of the wire: plays Spotnana, so knows nothing of the receiving side.
  "spotnana-sender": { workspace: ["contracts"], external: { only: ["zod"] } },
};

/** What any package's tests may depend on besides its rule: playing Spotnana against it. */
const testsMayUse: readonly Role[] = ["spotnana-sender"];

/** One version of these across the workspace: mixed BullMQ versions load incompatible scripts. */
const catalogOnly = ["zod", "bullmq", "ioredis", "express"] as const;

type Pkg = {
  name: string;
  dir: string;
  role: Role | undefined;
  dependencies: Record<string, string>;
  /** Declared in devDependencies only: for the package's tests, never its code. */
  testOnly: readonly string[];
};

type Json = Record<string, unknown>;

const dependencyFields = [
  "dependencies",
  "devDependencies",
  "peerDependencies",
  "optionalDependencies",
] as const;

function readManifest(dir: string): Json {
  const parsed: unknown = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  if (typeof parsed !== "object" || parsed === null) throw new Error(`${dir}/package.json`);
  return parsed as Json;
}

function allDependencies(manifest: Json): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const field of dependencyFields) {
    const deps = manifest[field];
    if (typeof deps !== "object" || deps === null) continue;
    for (const [name, range] of Object.entries(deps)) merged[name] = String(range);
  }
  return merged;
}

function testOnlyDependencies(manifest: Json): string[] {
  const { devDependencies, ...others } = Object.fromEntries(
    dependencyFields.map((field) => [field, manifest[field]]),
  );
  const elsewhere = new Set(Object.keys(allDependencies(others)));
  const dev =
    typeof devDependencies === "object" && devDependencies !== null ? devDependencies : {};
  return Object.keys(dev).filter((name) => !elsewhere.has(name));
}

function roleOf(dir: string, name: string): Role | undefined {
  const rel = relative(root, dir).split(sep).join("/");
  if (rel.startsWith("packages/handlers/")) return "handler";
  const byName: Record<string, Role> = {
    "@skyhook/contracts": "contracts",
    "@skyhook/handler-kit": "handler-kit",
    "@skyhook/booking-store": "booking-store",
    "@skyhook/service-kit": "service-kit",
    "@skyhook/queue-kit": "queue-kit",
    "@skyhook/ingress": "ingress",
    "@skyhook/worker": "worker",
    "@skyhook/dashboard": "dashboard",
    "@skyhook/cli": "cli",
    "@skyhook/spotnana-sender": "spotnana-sender",
  };
  return byName[name];
}

function workspacePackages(): Pkg[] {
  const parents = ["apps", "packages", "packages/handlers"];
  return parents.flatMap((parent) =>
    readdirSync(join(root, parent))
      .map((entry) => join(root, parent, entry))
      .filter((dir) => existsSync(join(dir, "package.json")))
      .map((dir) => {
        const manifest = readManifest(dir);
        const name = String(manifest.name);
        return {
          name,
          dir,
          role: roleOf(dir, name),
          dependencies: allDependencies(manifest),
          testOnly: testOnlyDependencies(manifest),
        };
      }),
  );
}

/** `@types/express` is express as far as the rules go. */
const subjectOf = (dep: string) => (dep.startsWith("@types/") ? dep.slice("@types/".length) : dep);

/** Every forbidden edge of `pkg`, as "from -> to: why". */
function forbiddenEdges(pkg: Pkg, workspace: ReadonlyMap<string, Pkg>): string[] {
  if (pkg.role === undefined) return [`${pkg.name}: no dependency rule covers this package`];
  const rule = rules[pkg.role];
  return Object.keys(pkg.dependencies).flatMap((dep) => {
    const target = workspace.get(dep);
    if (target !== undefined) {
      if (target.role !== undefined && rule.workspace.includes(target.role)) return [];
      if (
        target.role !== undefined &&
        testsMayUse.includes(target.role) &&
        pkg.testOnly.includes(dep)
      )
        return [];
      return [`${pkg.name} -> ${dep}: ${pkg.role} may not depend on ${target.role ?? dep}`];
    }
    if (dep.startsWith("@skyhook/")) return [`${pkg.name} -> ${dep}: not a workspace package`];
    const subject = subjectOf(dep);
    if ("only" in rule.external) {
      return rule.external.only.includes(subject)
        ? []
        : [
            `${pkg.name} -> ${dep}: ${pkg.role} may depend on ${rule.external.only.join(", ")} only`,
          ];
    }
    return rule.external.never.includes(subject)
      ? [`${pkg.name} -> ${dep}: ${pkg.role} never depends on ${subject}`]
      : [];
  });
}

function nonCatalogVersions(name: string, dependencies: Record<string, string>): string[] {
  return catalogOnly.flatMap((dep) => {
    const range = dependencies[dep];
    return range === undefined || range === "catalog:" ? [] : [`${name} -> ${dep}@${range}`];
  });
}

// A module specifier has no whitespace: that keeps `["from", "to"]` from reading as an import.
const importPattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"'\s]+)["']/g;

function importSpecifiers(source: string): string[] {
  return [...source.matchAll(importPattern)].flatMap((m) => (m[1] === undefined ? [] : [m[1]]));
}

const packageNameOf = (specifier: string) =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");

/**
 * Import problems of one file: deep imports into @skyhook packages, imports of packages the
 * manifest does not declare (which hoisting would otherwise let through), and relative paths
 * that reach into another package. Test files may also import vitest and test/support.
 */
function importProblems(pkg: Pkg, file: string, specifiers: readonly string[]): string[] {
  const isTest = file.endsWith(".test.ts");
  const where = relative(root, file);
  return specifiers.flatMap((specifier) => {
    if (specifier.startsWith(".")) {
      const target = resolve(dirname(file), specifier);
      if (target.startsWith(`${pkg.dir}${sep}`)) return [];
      if (isTest && target.startsWith(join(root, "test", "support") + sep)) return [];
      return [`${where}: "${specifier}" reaches outside ${pkg.name}`];
    }
    if (specifier.startsWith("node:")) return [];
    const name = packageNameOf(specifier);
    if (name.startsWith("@skyhook/") && specifier !== name) {
      return [`${where}: "${specifier}" is a deep import; import "${name}" instead`];
    }
    if (isTest && name === "vitest") return [];
    if (pkg.dependencies[name] === undefined) {
      return [`${where}: "${specifier}" is not declared in ${pkg.name}'s package.json`];
    }
    if (!isTest && pkg.testOnly.includes(name)) {
      return [`${where}: "${specifier}" is a devDependency of ${pkg.name}: for its tests only`];
    }
    return [];
  });
}

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    if (entry === "node_modules") return [];
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** Top-level folders whose files must not reach into one another's, and which they must not reach. */
const apart: readonly { from: string; never: string }[] = [
  { from: "bench", never: "test" },
  ...["apps", "packages", "test", "scripts"].map((from) => ({ from, never: "bench" })),
];

/** Relative imports of `file` (under the root) that land in the top-level folder `never`. */
function crossings(file: string, specifiers: readonly string[], never: string): string[] {
  return specifiers
    .filter((specifier) => specifier.startsWith("."))
    .filter((specifier) => resolve(dirname(file), specifier).startsWith(join(root, never) + sep))
    .map((specifier) => `${relative(root, file)}: "${specifier}" reaches into ${never}/`);
}

const packages = workspacePackages();
const byName = new Map(packages.map((p) => [p.name, p]));

const fakePkg = (
  role: Role,
  name: string,
  dependencies: Record<string, string>,
  testOnly: readonly string[] = [],
): Pkg => ({ name, dir: join(root, "packages", "fake"), role, dependencies, testOnly });

describe("dependency rules", () => {
  it("finds every package of the workspace", () => {
    expect([...byName.keys()].sort()).toEqual(
      expect.arrayContaining([
        "@skyhook/booking-store",
        "@skyhook/contracts",
        "@skyhook/dashboard",
        "@skyhook/handler-booking-created",
        "@skyhook/handler-flight-cancelled",
        "@skyhook/handler-kit",
        "@skyhook/ingress",
        "@skyhook/service-kit",
        "@skyhook/spotnana-sender",
        "@skyhook/worker",
      ]),
    );
  });

  it("has no forbidden edge between packages", () => {
    expect(packages.flatMap((pkg) => forbiddenEdges(pkg, byName))).toEqual([]);
  });

  it("pins zod, bullmq, ioredis and express through the pnpm catalog everywhere", () => {
    const manifests = [
      ...packages.map((p) => ({ name: p.name, dependencies: p.dependencies })),
      { name: "(root)", dependencies: allDependencies(readManifest(root)) },
    ];
    expect(manifests.flatMap((m) => nonCatalogVersions(m.name, m.dependencies))).toEqual([]);
    const workspaceYaml = readFileSync(join(root, "pnpm-workspace.yaml"), "utf8");
    for (const dep of catalogOnly) {
      expect(workspaceYaml).toMatch(new RegExp(`^\\s+"?${dep}"?:\\s*\\S+`, "m"));
    }
  });

  it("imports other packages only through their entry point and declared dependencies", () => {
    const problems = packages.flatMap((pkg) =>
      sourceFiles(join(pkg.dir, "src")).flatMap((file) =>
        importProblems(pkg, file, importSpecifiers(readFileSync(file, "utf8"))),
      ),
    );
    expect(problems).toEqual([]);
  });
});

describe("the benchmark and the tests", () => {
  it("keep apart: bench/ imports nothing from test/, and nothing outside bench/ imports from it", () => {
    const problems = apart.flatMap(({ from, never }) =>
      sourceFiles(join(root, from)).flatMap((file) =>
        crossings(file, importSpecifiers(readFileSync(file, "utf8")), never),
      ),
    );
    expect(problems).toEqual([]);
  });

  it("are told apart by the checker", () => {
    const file = join(root, "bench", "drain.ts");
    expect(crossings(file, ["../test/support/wait-for.ts", "./stats.ts"], "test")).toEqual([
      expect.stringContaining("reaches into test/"),
    ]);
  });
});

describe("dependency rule checker", () => {
  it("reports a handler that depends on another handler, an app, bullmq or express", () => {
    const handler = fakePkg("handler", "@skyhook/handler-x", {
      "@skyhook/contracts": "workspace:*",
      "@skyhook/handler-booking-created": "workspace:*",
      "@skyhook/worker": "workspace:*",
      "@skyhook/service-kit": "workspace:*",
      bullmq: "catalog:",
      "@types/express": "catalog:",
    });
    expect(forbiddenEdges(handler, byName)).toEqual([
      expect.stringContaining("-> @skyhook/handler-booking-created"),
      expect.stringContaining("-> @skyhook/worker"),
      expect.stringContaining("-> @skyhook/service-kit"),
      expect.stringContaining("-> bullmq"),
      expect.stringContaining("-> @types/express"),
    ]);
  });

  it("reports the sending side depending on the receiving side, and lets tests alone play Spotnana", () => {
    const sender = fakePkg("spotnana-sender", "@skyhook/spotnana-sender", {
      "@skyhook/contracts": "workspace:*",
      "@skyhook/queue-kit": "workspace:*",
      bullmq: "catalog:",
      express: "catalog:",
    });
    expect(forbiddenEdges(sender, byName)).toEqual([
      expect.stringContaining("-> @skyhook/queue-kit"),
      expect.stringContaining("-> bullmq"),
      expect.stringContaining("-> express"),
    ]);
    const spotnana = { "@skyhook/spotnana-sender": "workspace:*" };
    const forTests = fakePkg("handler", "@skyhook/handler-x", spotnana, Object.keys(spotnana));
    expect(forbiddenEdges(forTests, byName)).toEqual([]);
    expect(forbiddenEdges(fakePkg("handler", "@skyhook/handler-x", spotnana), byName)).toEqual([
      expect.stringContaining("handler may not depend on spotnana-sender"),
    ]);
    const source = 'import { pnrPayload } from "@skyhook/spotnana-sender";';
    const code = join(forTests.dir, "src", "x.ts");
    expect(importProblems(forTests, code, importSpecifiers(source))).toEqual([
      expect.stringContaining("for its tests only"),
    ]);
    expect(
      importProblems(forTests, code.replace(/\.ts$/, ".test.ts"), importSpecifiers(source)),
    ).toEqual([]);
  });

  it("reports contracts depending on anything but zod", () => {
    const contracts = fakePkg("contracts", "@skyhook/contracts", { zod: "catalog:", ioredis: "1" });
    expect(forbiddenEdges(contracts, byName)).toEqual([expect.stringContaining("-> ioredis")]);
  });

  it("reports the ingress loading handler code and the worker loading express", () => {
    const ingress = fakePkg("ingress", "@skyhook/ingress", {
      "@skyhook/handler-flight-cancelled": "workspace:*",
      "@skyhook/handler-kit": "workspace:*",
      express: "catalog:",
    });
    const worker = fakePkg("worker", "@skyhook/worker", { express: "catalog:" });
    expect(forbiddenEdges(ingress, byName)).toHaveLength(2);
    expect(forbiddenEdges(worker, byName)).toEqual([expect.stringContaining("-> express")]);
  });

  it("reports the OpenTelemetry SDK outside service-kit, and OpenTelemetry in handler-kit", () => {
    const queueKit = fakePkg("queue-kit", "@skyhook/queue-kit", {
      "@opentelemetry/api": "catalog:",
      "@opentelemetry/sdk-trace-base": "catalog:",
    });
    const ingress = fakePkg("ingress", "@skyhook/ingress", {
      "@opentelemetry/api": "catalog:",
      "@opentelemetry/exporter-trace-otlp-http": "catalog:",
    });
    const handlerKit = fakePkg("handler-kit", "@skyhook/handler-kit", {
      "@opentelemetry/api": "catalog:",
    });
    const serviceKit = fakePkg("service-kit", "@skyhook/service-kit", {
      "@opentelemetry/sdk-trace-base": "catalog:",
      "@opentelemetry/sdk-node": "catalog:",
    });
    expect(forbiddenEdges(queueKit, byName)).toEqual([
      expect.stringContaining("-> @opentelemetry/sdk-trace-base"),
    ]);
    expect(forbiddenEdges(ingress, byName)).toEqual([
      expect.stringContaining("-> @opentelemetry/exporter-trace-otlp-http"),
    ]);
    expect(forbiddenEdges(handlerKit, byName)).toEqual([
      expect.stringContaining("-> @opentelemetry/api"),
    ]);
    expect(forbiddenEdges(serviceKit, byName)).toEqual([
      expect.stringContaining("-> @opentelemetry/sdk-node"),
    ]);
  });

  it("reports a package no rule covers", () => {
    const unknown: Pkg = {
      name: "@skyhook/new",
      dir: root,
      role: undefined,
      dependencies: {},
      testOnly: [],
    };
    expect(forbiddenEdges(unknown, byName)).toEqual([
      expect.stringContaining("no dependency rule"),
    ]);
  });

  it("reports a version of zod, bullmq, ioredis or express outside the catalog", () => {
    expect(nonCatalogVersions("x", { zod: "^4.0.0", bullmq: "catalog:", pino: "1" })).toEqual([
      "x -> zod@^4.0.0",
    ]);
  });

  it("reports deep, undeclared and cross-package imports", () => {
    const pkg = fakePkg("handler", "@skyhook/handler-x", { "@skyhook/contracts": "workspace:*" });
    const file = join(pkg.dir, "src", "x.ts");
    const source = [
      'import { a } from "@skyhook/contracts/src/envelope.ts";',
      'import type { B } from "@skyhook/contracts";',
      'export { c } from "./c.ts";',
      'const d = await import("bullmq");',
      'import "../../contracts/src/index.ts";',
      'import { e } from "../../../test/support/redis.ts";',
      'import { readFileSync } from "node:fs";',
    ].join("\n");
    expect(importProblems(pkg, file, importSpecifiers(source))).toEqual([
      expect.stringContaining("deep import"),
      expect.stringContaining('"bullmq" is not declared'),
      expect.stringContaining("reaches outside"),
      expect.stringContaining("reaches outside"),
    ]);
  });
});
