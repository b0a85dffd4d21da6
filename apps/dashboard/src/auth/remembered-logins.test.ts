import { describe, expect, it } from "vitest";
import { createRememberedLogins } from "./remembered-logins.ts";

describe("remembered logins", () => {
  it("remembers a verified pair until its time is up, and only that exact pair", () => {
    let now = 0;
    const remembered = createRememberedLogins({ ttlMs: 1_000, maxEntries: 10, now: () => now });
    remembered.add("ada", "right");
    expect(remembered.has("ada", "right")).toBe(true);
    expect(remembered.has("ada", "Right")).toBe(false);
    expect(remembered.has("ad", "aright")).toBe(false);
    now = 1_000;
    expect(remembered.has("ada", "right")).toBe(false);
  });

  it("forgets the oldest pair when full, so memory stays bounded", () => {
    const remembered = createRememberedLogins({ ttlMs: 60_000, maxEntries: 2 });
    remembered.add("a", "1");
    remembered.add("b", "2");
    remembered.add("c", "3");
    expect([remembered.has("a", "1"), remembered.has("b", "2"), remembered.has("c", "3")]).toEqual([
      false,
      true,
      true,
    ]);
  });
});
