import { describe, expect, it } from "vitest";
import { dateFormatsFor, opsPageUrl, uiConfigFor } from "./ui-config.ts";

describe("the board's UI configuration", () => {
  it.each([
    ["/", "/ops"],
    ["/ops/queues", "/ops/queues/ops"],
  ])("links the replay and ledger page under the base path %j as %j", (basePath, url) => {
    expect(opsPageUrl(basePath)).toBe(url);
    expect(uiConfigFor({ readOnly: false, basePath, timeZone: "UTC" }).miscLinks).toEqual([
      { text: "Replay & ledger", url },
    ]);
  });

  it("shows today's, this year's and older times alike: with date, seconds and zone", () => {
    const formats = dateFormatsFor("UTC");
    const at = Date.UTC(2026, 0, 2, 3, 4, 5);
    for (const format of [formats.short, formats.common, formats.full]) {
      expect(new Intl.DateTimeFormat("en-GB", format).format(at)).toBe("02 Jan 2026, 03:04:05 UTC");
    }
  });

  it("says read-only in the title of a read-only board", () => {
    expect(uiConfigFor({ readOnly: true, basePath: "/", timeZone: "UTC" }).boardTitle).toBe(
      "Skyhook (read-only)",
    );
  });
});
