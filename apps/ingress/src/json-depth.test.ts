import { describe, expect, it } from "vitest";
import { exceedsJsonDepth } from "./json-depth.ts";

const nested = (levels: number) => Buffer.from(`${"[".repeat(levels)}${"]".repeat(levels)}`);

describe("exceedsJsonDepth", () => {
  it("accepts nesting up to the limit and refuses one level more", () => {
    expect(exceedsJsonDepth(nested(64))).toBe(false);
    expect(exceedsJsonDepth(nested(65))).toBe(true);
    expect(exceedsJsonDepth(Buffer.from(`{"a":${"{".repeat(70)}`))).toBe(true);
  });

  it("ignores brackets inside strings, escaped quotes included", () => {
    const text = JSON.stringify({ note: `${"[".repeat(500)} \\" {{{ "` });
    expect(exceedsJsonDepth(Buffer.from(text))).toBe(false);
  });

  it("counts depth, not the number of objects", () => {
    const wide = JSON.stringify({
      items: Array.from({ length: 5_000 }, (_, i) => ({ i, tags: [i] })),
    });
    expect(exceedsJsonDepth(Buffer.from(wide))).toBe(false);
  });
});
