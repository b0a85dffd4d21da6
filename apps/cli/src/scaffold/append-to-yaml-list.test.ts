import { describe, expect, it } from "vitest";
import { appendToYamlList } from "./append-to-yaml-list.ts";

const kustomization = [
  "# resources: not this one, a comment",
  "labels:",
  "  - pairs:",
  "      a: b",
  "resources:",
  "  - config.yaml",
  "  # Worker kinds, one directory each; reworded at will.",
  "  - workers/one",
  "patches:",
  "  - path: patch.yaml",
  "",
].join("\n");

describe("appendToYamlList", () => {
  it("appends after the list's last item, past comments among its items, before the next key", () => {
    const result = appendToYamlList(kustomization, "resources", "workers/two");
    expect(result).toEqual({
      ok: true,
      text: kustomization.replace("  - workers/one\n", "  - workers/one\n  - workers/two\n"),
    });
  });

  it("finds the list by its key at column 0, not by a comment that mentions it", () => {
    const result = appendToYamlList(kustomization, "labels", "x");
    expect(result.ok && result.text.split("\n").slice(1, 5)).toEqual([
      "labels:",
      "  - pairs:",
      "      a: b",
      "  - x",
    ]);
  });

  it("appends to an empty list right under its key", () => {
    expect(appendToYamlList("resources:\nkind: Kustomization\n", "resources", "a")).toEqual({
      ok: true,
      text: "resources:\n  - a\nkind: Kustomization\n",
    });
  });

  it("refuses a file without the list, and an item it already lists", () => {
    expect(appendToYamlList("kind: Kustomization\n", "resources", "a")).toEqual({
      ok: false,
      reason: "no top-level resources list",
    });
    expect(appendToYamlList(kustomization, "resources", "workers/one")).toEqual({
      ok: false,
      reason: "resources already lists workers/one",
    });
  });
});
