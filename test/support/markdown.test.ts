import { describe, expect, it } from "vitest";
import { githubSlug, invocationsOf, parseMarkdown, skyhookCall } from "./markdown.ts";

describe("the docs test's Markdown reader", () => {
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
    expect(doc.codeBlocks.flatMap((code) => invocationsOf(code, skyhookCall))).toEqual([
      ["send", "--json"],
    ]);
    expect(
      invocationsOf('echo "$(./scripts/skyhook dashboard-password)" >> users', skyhookCall),
    ).toEqual([["dashboard-password"]]);
  });
});
