import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { CliEnv, createProgram } from "@skyhook/cli";
import { DashboardEnv } from "@skyhook/dashboard";
import { IngressEnv } from "@skyhook/ingress";
import { secretVariables } from "@skyhook/service-kit";
import { WorkerEnv } from "@skyhook/worker";
import { describe, expect, it } from "vitest";
import {
  invocationsOf,
  type MarkdownDoc,
  parseMarkdown,
  pnpmCall,
  skyhookCall,
} from "./support/markdown.ts";
import { repoRoot } from "./support/processes.ts";

/** The docs a reader is sent to: the front door, docs/, and the benchmark's own README. */
const docFiles = [
  "README.md",
  "bench/README.md",
  ...readdirSync(join(repoRoot, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
];
const docs = new Map<string, MarkdownDoc>(
  docFiles.map((file) => [file, parseMarkdown(readFileSync(join(repoRoot, file), "utf8"))]),
);
const codeOf = (doc: MarkdownDoc) => [...doc.codeBlocks, ...doc.inlineCode];

const program = createProgram({ out: () => {}, err: () => {}, interactive: false, env: {} });
const scripts = Object.keys(
  (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts: object }).scripts,
);

const placeholder = (word: string) => /^[<[…]/.test(word);

/** docs/configuration.md: which processes read the variables of the tables under each heading. */
const schemas = { ingress: IngressEnv, worker: WorkerEnv, dashboard: DashboardEnv, cli: CliEnv };
type Process = keyof typeof schemas;
const readersByHeading: Record<string, readonly Process[]> = {
  "Every process": ["ingress", "worker", "dashboard", "cli"],
  "The ops port": ["ingress", "worker"],
  Tracing: ["ingress", "worker"],
  Ingress: ["ingress"],
  Worker: ["worker"],
  Dashboard: ["dashboard"],
  "Command line": ["cli"],
};
const secretNames: ReadonlySet<string> = new Set(secretVariables);
const knows = (process: Process, name: string): boolean =>
  name in schemas[process].shape ||
  (name.endsWith("_FILE") &&
    secretNames.has(name.slice(0, -5)) &&
    knows(process, name.slice(0, -5)));

/** Defaults the code applies after parsing (tracingSettingsOf samples everything when unset). */
const computedDefaults = new Set(["OTEL_TRACES_SAMPLER_ARG"]);

/** Each row of docs/configuration.md's variable tables: its variables and their defaults. */
function variableRows() {
  const tables = docs.get("docs/configuration.md")?.tables ?? [];
  return tables
    .filter((table) => table.rows[0]?.[0] === "variable")
    .flatMap((table) =>
      table.rows.slice(1).map(([names = "", defaults = ""]) => {
        const named = [...names.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? "");
        return {
          heading: table.heading,
          readers: readersByHeading[table.heading],
          names: named,
          // `A` / `B` with defaults `1` / `2`: each variable its own.
          defaults: named.length > 1 ? defaults.split(" / ") : [defaults],
        };
      }),
    );
}

describe("the docs", () => {
  it("link only to files that exist, and to headings those files have", () => {
    const problems: string[] = [];
    for (const [file, doc] of docs) {
      for (const target of doc.links) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
        const [path = "", anchor] = target.split("#");
        const linked =
          path === "" ? join(repoRoot, file) : resolve(dirname(join(repoRoot, file)), path);
        if (!existsSync(linked)) {
          problems.push(`${file}: ${target} (no such file)`);
          continue;
        }
        if (anchor === undefined) continue;
        const linkedDoc =
          docs.get(relative(repoRoot, linked)) ??
          (linked.endsWith(".md") ? parseMarkdown(readFileSync(linked, "utf8")) : undefined);
        if (!linkedDoc?.anchors.includes(anchor))
          problems.push(`${file}: ${target} (no heading with that anchor)`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("show only skyhook commands the CLI has, with only the options each defines", () => {
    const problems: string[] = [];
    let shown = 0;
    for (const [file, doc] of docs) {
      for (const words of codeOf(doc).flatMap((code) => invocationsOf(code, skyhookCall))) {
        const [name, ...rest] = words;
        if (name === undefined || placeholder(name)) continue;
        shown += 1;
        const command = program.commands.find((c) => c.name() === name);
        if (command === undefined) {
          problems.push(`${file}: skyhook ${words.join(" ")} (no command ${name})`);
          continue;
        }
        const defined = command.options.flatMap((o) => [o.long, o.short]);
        for (const word of rest.filter((w) => w.startsWith("-"))) {
          const option = word.split("=")[0] ?? word;
          if (option !== "--help" && !defined.includes(option))
            problems.push(`${file}: skyhook ${words.join(" ")} (${name} has no ${option})`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(shown).toBeGreaterThan(10);
  });

  it("list in their tables every skyhook command, and every option of simulate, and no other", () => {
    const firstCells = (file: string, header: string) =>
      (docs.get(file)?.tables ?? [])
        .filter((table) => table.rows[0]?.[0] === header)
        .flatMap((table) => table.rows.slice(1).map(([cell = ""]) => cell));
    const commands = firstCells("docs/operating.md", "command").map(
      (cell) => /^`([a-z-]+)/.exec(cell)?.[1],
    );
    expect(commands.toSorted()).toEqual(program.commands.map((c) => c.name()).toSorted());
    const simulate = program.commands.find((c) => c.name() === "simulate");
    const options = firstCells("docs/simulating.md", "option").flatMap((cell) =>
      [...cell.matchAll(/--[a-z-]+/g)].map((m) => m[0]),
    );
    expect(options.toSorted()).toEqual(simulate?.options.map((o) => o.long).toSorted());
  });

  it("show only pnpm scripts package.json defines, and only tools pnpm exec finds", () => {
    const problems: string[] = [];
    let shown = 0;
    for (const [file, doc] of docs) {
      for (const words of codeOf(doc).flatMap((code) => invocationsOf(code, pnpmCall))) {
        const [first, second = ""] = words;
        if (first === undefined || placeholder(first) || first.startsWith("-")) continue;
        shown += 1;
        if (first === "install") continue;
        if (first === "exec") {
          if (!existsSync(join(repoRoot, "node_modules/.bin", second)))
            problems.push(`${file}: pnpm exec ${second} (no such tool installed)`);
        } else if (!scripts.includes(first === "run" ? second : first)) {
          problems.push(`${file}: pnpm ${words.join(" ")} (no such script in package.json)`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(shown).toBeGreaterThan(5);
  });

  it("name in docs/configuration.md's tables exactly the variables the processes read", () => {
    const problems: string[] = [];
    const documented = new Map<Process, Set<string>>();
    for (const { heading, readers, names } of variableRows()) {
      if (readers === undefined) problems.push(`a variable table under "${heading}" (no process)`);
      if (names.length === 0) problems.push(`a row under "${heading}" names no variable`);
      for (const name of names) {
        if (!/^[A-Z][A-Z0-9_]*$/.test(name))
          problems.push(`\`${name}\` under "${heading}" is not a variable's full name`);
        for (const process of readers ?? []) {
          if (!knows(process, name))
            problems.push(`${name} under "${heading}": the ${process} does not read it`);
          documented.set(process, (documented.get(process) ?? new Set<string>()).add(name));
        }
      }
    }
    for (const [process, schema] of Object.entries(schemas) as [Process, { shape: object }][])
      for (const name of Object.keys(schema.shape))
        if (!documented.get(process)?.has(name))
          problems.push(`${name}, which the ${process} reads, is in no table that applies to it`);
    expect(problems).toEqual([]);
  });

  it("give in docs/configuration.md's tables the defaults the processes apply", () => {
    const problems: string[] = [];
    let checked = 0;
    for (const { readers = [], names, defaults } of variableRows()) {
      names.forEach((name, i) => {
        // Only a default written as one literal value: not "—", "dev values", "per operation".
        const value = /^`([^`<>]*)`(?: \([^)]*\))?$/.exec(defaults[i] ?? "")?.[1];
        if (value === undefined || computedDefaults.has(name)) return;
        for (const process of readers) {
          const schema = schemas[process];
          if (value in schema.shape) continue; // the default is another variable's value
          checked += 1;
          const given = schema.safeParse({ [name]: value });
          const unset = schema.safeParse({});
          if (!given.success || !isDeepStrictEqual(given.data, unset.data))
            problems.push(`${name}=${value} is not what the ${process} does when it is unset`);
        }
      });
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(60);
  });
});
