import { describe, expect, it } from "vitest";
import { insertAtMarker } from "./insert-at-marker.ts";

const list = [
  "export const all = [",
  "  a,",
  "  // skyhook:all — new items go above",
  "];",
  "",
].join("\n");

describe("insertAtMarker", () => {
  it("inserts above the marker at its indentation, whatever follows the marker on its line", () => {
    expect(insertAtMarker(list, "skyhook:all", "b,\n")).toEqual({
      ok: true,
      text: list.replace("  a,\n", "  a,\n  b,\n"),
    });
  });

  it("keeps blank lines of a multi-line insertion unindented", () => {
    const result = insertAtMarker("// skyhook:defs\n", "skyhook:defs", "const x = 1;\n\n");
    expect(result).toEqual({ ok: true, text: "const x = 1;\n\n// skyhook:defs\n" });
  });

  it("does not take a mention inside another line, or a longer marker, for the marker", () => {
    const text = "const a = 1; // skyhook:all\n/* see // skyhook:all */\n// skyhook:all-old\n";
    expect(insertAtMarker(text, "skyhook:all", "b,\n")).toEqual({
      ok: false,
      reason:
        'no "// skyhook:all" line; put the marker back on a line of its own where new-handler should insert',
    });
  });

  it("refuses a marker that appears more than once", () => {
    expect(insertAtMarker(`${list}// skyhook:all\n`, "skyhook:all", "b,\n")).toEqual({
      ok: false,
      reason: '"// skyhook:all" appears 2 times; keep one',
    });
  });
});
