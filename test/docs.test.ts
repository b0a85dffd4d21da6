import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { CliEnv, createProgram } from "@skyhook/cli";
import { DashboardEnv } from "@skyhook/dashboard";
import { IngressEnv } from "@skyhook/ingress";
import { secretVariables } from "@skyhook/service-kit";
import { WorkerEnv } from "@skyhook/worker";
import { describe, expect, it } from "vitest";
import { githubSlug, invocationsOf, type MarkdownDoc, parseMarkdown } from "./support/markdown.ts";
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

/** Where a command is shown: the wrapper, `pnpm skyhook`, or the image's `node apps/cli/…`. */
const cliCall =
  /(?:\.\/scripts\/skyhook|(?<![\w./@-])pnpm skyhook|apps\/cli\/src\/main\.ts)(?=\s|$)/;
/** pnpm, or pnpm run through npx (`npx -y pnpm@12.4.2 …`); not `.pnpmfile.cjs` nor a path. */
const pnpmCall = /(?<![\w./@-])pnpm(?:@[\d.]+)?(?=\s)/;
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
      for (const words of codeOf(doc).flatMap((code) => invocationsOf(code, cliCall))) {
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
    const doc = docs.get("docs/configuration.md");
    expect(doc).toBeDefined();
    const problems: string[] = [];
    const documented = new Map<Process, Set<string>>();
    for (const table of doc?.tables ?? []) {
      if (table.rows[0]?.[0] !== "variable") continue;
      const readers = readersByHeading[table.heading];
      if (readers === undefined) {
        problems.push(`a variable table under "${table.heading}", which names no process`);
        continue;
      }
      for (const [cell = ""] of table.rows.slice(1)) {
        const names = [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? "");
        if (names.length === 0) problems.push(`"${cell}" names no variable in backticks`);
        for (const name of names) {
          if (!/^[A-Z][A-Z0-9_]*$/.test(name))
            problems.push(`\`${name}\` under "${table.heading}" is not a variable's full name`);
          for (const process of readers) {
            if (!knows(process, name))
              problems.push(`${name} under "${table.heading}": the ${process} does not read it`);
            const seen = documented.get(process) ?? new Set<string>();
            documented.set(process, seen.add(name));
          }
        }
      }
    }
    for (const [process, schema] of Object.entries(schemas) as [Process, { shape: object }][])
      for (const name of Object.keys(schema.shape))
        if (!documented.get(process)?.has(name))
          problems.push(`${name}, which the ${process} reads, is in no table that applies to it`);
    expect(problems).toEqual([]);
  });
});

describe("the docs checker", () => {
  it("gives headings GitHub's anchors", () => {
    expect(githubSlug("The `skyhook` command line")).toBe("the-skyhook-command-line");
    expect(githubSlug("Cross-site writes, and what the board will not do")).toBe(
      "cross-site-writes-and-what-the-board-will-not-do",
    );
    expect(githubSlug("Durability: what survives what")).toBe("durability-what-survives-what");
    expect(githubSlug("`pnpm bench`: Skyhook — a raw BullMQ × 2")).toBe(
      "pnpm-bench-skyhook--a-raw-bullmq--2",
    );
    const doc = parseMarkdown("# Notes\n\n## Notes\n");
    expect(doc.anchors).toEqual(["notes", "notes-1"]);
  });

  it("reads links outside code only, tables' cells, and commands up to where they end", () => {
    const doc = parseMarkdown(
      [
        "See [a](a.md#x) and `[b](b.md)`.",
        "",
        "```sh",
        "./scripts/skyhook send \\",
        "  --json   # a comment --nope",
        "```",
        "",
        "| variable | meaning |",
        "| --- | --- |",
        "| `A_B` | see [c](c.md), `x\\|y` |",
      ].join("\n"),
    );
    expect(doc.links).toEqual(["a.md#x", "c.md"]);
    expect(doc.tables[0]?.rows).toEqual([
      ["variable", "meaning"],
      ["`A_B`", "see [c](c.md), `x|y`"],
    ]);
    expect(doc.codeBlocks.flatMap((code) => invocationsOf(code, cliCall))).toEqual([
      ["send", "--json"],
    ]);
    expect(
      invocationsOf('echo "$(./scripts/skyhook dashboard-password)" >> users', cliCall),
    ).toEqual([["dashboard-password"]]);
  });
});
