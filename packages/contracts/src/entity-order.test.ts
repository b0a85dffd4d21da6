import { describe, expect, it } from "vitest";
import { EntityOrder, entityOrderOf, isOlder, newestOf, timestampMsOf } from "./entity-order.ts";

describe("entityOrderOf", () => {
  it("orders a PNR_V3 event by its PNR version, keeping the timestamp too", () => {
    expect(
      entityOrderOf({
        eventType: "PNR_V3",
        keys: { pnrId: "P1", version: 7 },
        envelope: { timestamp: "2026-11-27T10:00:00Z" },
      }),
    ).toEqual({ entity: "pnr:P1", version: 7, timestampMs: Date.parse("2026-11-27T10:00:00Z") });
  });

  it.each([
    ["TRAVELER_V2", { entityId: "u-1" }, "traveler:u-1"],
    ["TRIP_DETAILS_V3", { tripId: "t-1" }, "trip:t-1"],
    ["AGENT_TASK_DETAILS", { entityId: "task-1" }, "task:task-1"],
    ["PNR_APPROVAL", { entityId: "ap-1" }, "approval:ap-1"],
  ])("orders %s events by timestamp under their own entity", (eventType, keys, entity) => {
    expect(entityOrderOf({ eventType, keys, envelope: { timestamp: 1_795_000_000 } })).toEqual({
      entity,
      version: undefined,
      timestampMs: 1_795_000_000_000,
    });
  });

  it("orders by version only for PNR_V3, and by version alone when there is no timestamp", () => {
    expect(
      entityOrderOf({
        eventType: "TRAVELER_V2",
        keys: { entityId: "u-1", version: 3 },
        envelope: { timestamp: 1_795_000_000 },
      }),
    ).toEqual({ entity: "traveler:u-1", version: undefined, timestampMs: 1_795_000_000_000 });
    expect(
      entityOrderOf({ eventType: "PNR_V3", keys: { pnrId: "P1", version: 2 }, envelope: {} }),
    ).toEqual({ entity: "pnr:P1", version: 2, timestampMs: undefined });
  });

  it("gives no order to an event without an entity, or without version and timestamp", () => {
    expect(
      entityOrderOf({ eventType: "SERVICE_CHARGE", keys: {}, envelope: { timestamp: 1 } }),
    ).toBeUndefined();
    expect(
      entityOrderOf({ eventType: "PNR_V3", keys: { pnrId: "P1" }, envelope: {} }),
    ).toBeUndefined();
    expect(
      entityOrderOf({ eventType: "PNR_V3", keys: {}, envelope: { timestamp: 1 } }),
    ).toBeUndefined();
  });

  it("gives no order to an event whose entity id is empty, so such events share no entity", () => {
    for (const [eventType, keys] of [
      ["PNR_V3", { pnrId: "", version: 2 }],
      ["TRAVELER_V2", { entityId: "" }],
    ] as const)
      expect(
        entityOrderOf({ eventType, keys, envelope: { timestamp: 1 } }),
        eventType,
      ).toBeUndefined();
  });
});

describe("EntityOrder", () => {
  it("reads back a stored position, and refuses one with a fractional version", () => {
    const stored = { entity: "pnr:P", version: 3, timestampMs: 1_000 };
    expect(EntityOrder.parse(JSON.parse(JSON.stringify(stored)))).toEqual(stored);
    expect(EntityOrder.safeParse({ ...stored, version: 1.5 }).success).toBe(false);
    expect(EntityOrder.safeParse({ version: 3 }).success).toBe(false);
  });
});

describe("timestampMsOf", () => {
  it("reads ISO-8601, epoch seconds and epoch milliseconds, as numbers or digit strings", () => {
    expect(timestampMsOf("2026-11-27T10:00:00.500Z")).toBe(Date.parse("2026-11-27T10:00:00.500Z"));
    expect(timestampMsOf(1_795_000_000)).toBe(1_795_000_000_000);
    expect(timestampMsOf("1795000000123")).toBe(1_795_000_000_123);
    expect(timestampMsOf("yesterday")).toBeUndefined();
    expect(timestampMsOf({})).toBeUndefined();
  });

  it("reads fractional epoch seconds, and takes 1e11 and above as milliseconds", () => {
    expect(timestampMsOf("1795000000.25")).toBe(1_795_000_000_250);
    expect(timestampMsOf(1e11)).toBe(1e11);
    expect(timestampMsOf(1e11 - 1)).toBe((1e11 - 1) * 1000);
  });

  it("reads nothing from values JSON could carry that are not a timestamp", () => {
    for (const value of [["2026-11-27T10:00:00Z"], [1_795_000_000], "x1795000000", null, true])
      expect(timestampMsOf(value)).toBeUndefined();
  });
});

describe("isOlder and newestOf", () => {
  const at = (version: number | undefined, timestampMs: number | undefined) => ({
    entity: "pnr:P",
    version,
    timestampMs,
  });

  it("compares by version when both have one, even against the clock", () => {
    expect(isOlder(at(3, 9_000), at(4, 1_000))).toBe(true);
    expect(isOlder(at(4, 1_000), at(3, 9_000))).toBe(false);
    expect(isOlder(at(4, 1_000), at(4, 9_000))).toBe(false);
  });

  it("falls back to timestamps, and calls incomparable positions not older", () => {
    expect(isOlder(at(undefined, 1_000), at(4, 2_000))).toBe(true);
    expect(isOlder(at(undefined, 3_000), at(4, 2_000))).toBe(false);
    expect(isOlder(at(5, undefined), at(undefined, 2_000))).toBe(false);
    expect(isOlder(at(3, 1_000), at(undefined, 2_000))).toBe(true);
  });

  it("calls an event at the same timestamp as the newest not older (it is applied)", () => {
    expect(isOlder(at(undefined, 2_000), at(undefined, 2_000))).toBe(false);
    expect(isOlder(at(undefined, 1_999), at(undefined, 2_000))).toBe(true);
  });

  it("keeps the highest version and the latest timestamp seen", () => {
    expect(newestOf(at(3, 9_000), at(4, 1_000))).toEqual(at(4, 9_000));
    expect(newestOf(at(undefined, 1_000), at(2, undefined))).toEqual(at(2, 1_000));
  });
});
