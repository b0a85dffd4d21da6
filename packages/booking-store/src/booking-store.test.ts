import { afterAll, describe, expect, it } from "vitest";
import { connect, deletePrefix, uniquePrefix } from "../../../test/support/redis.ts";
import type { BookingRecord } from "./booking-record.ts";
import { type BookingStore, createBookingStore, effectKeyOf } from "./booking-store.ts";

const prefix = uniquePrefix("booking-store");
const redis = connect();
const others = [connect(), connect(), connect()];
// Built on first use, not at import: a mutant that breaks building it must fail tests, and one
// that throws at import fails none (docs/testing.md).
let built: BookingStore | undefined;
const store = (): BookingStore => {
  built ??= createBookingStore(redis, prefix);
  return built;
};

afterAll(async () => {
  await deletePrefix(redis, prefix);
  await Promise.all([redis, ...others].map((connection) => connection.quit()));
});

let pnrCounter = 0;
const newPnrId = () => `PNR-${++pnrCounter}`;

function record(pnrId: string, overrides: Partial<BookingRecord> = {}): BookingRecord {
  return {
    pnrId,
    travelerUserIds: ["USER-1"],
    segments: [],
    cancelledSegmentIds: [],
    lastDeliveryId: "delivery-1",
    updatedAt: "2026-01-01T00:00:00.000Z",
    ...overrides,
  };
}

describe("BookingStore.apply", () => {
  it("creates a record that get() then returns", async () => {
    const pnrId = newPnrId();
    const created = record(pnrId, { version: 1, status: "CONFIRMED" });
    expect(await store().apply(created)).toEqual({ outcome: "applied", record: created });
    expect(await store().get(pnrId)).toEqual(created);
  });

  it("keeps each booking under its PNR's key, tagged with the PNR's entity", async () => {
    const pnrId = newPnrId();
    const snapshot = record(pnrId, { version: 1 });
    await createBookingStore(redis, prefix).apply(snapshot);
    // The literal layout: the PNR's entity as the hash tag is what this test is about.
    const raw = await redis.get(`${prefix}:{pnr:${pnrId}}:booking`);
    expect(JSON.parse(raw ?? "null")).toEqual(snapshot);
  });

  it("returns undefined from get() for a booking it never stored", async () => {
    expect(await store().get(newPnrId())).toBeUndefined();
  });

  it("refuses a lower PNR version as stale and keeps the stored record", async () => {
    const pnrId = newPnrId();
    const newer = record(pnrId, { version: 5, lastDeliveryId: "d5" });
    await store().apply(newer);
    const result = await store().apply(
      record(pnrId, { version: 4, lastDeliveryId: "d4", cancelledSegmentIds: ["SEG-4"] }),
    );
    expect(result).toEqual({ outcome: "stale", record: newer });
    expect(await store().get(pnrId)).toEqual(newer);
  });

  it("applies a snapshot of the same PNR version", async () => {
    const pnrId = newPnrId();
    await store().apply(record(pnrId, { version: 5, lastDeliveryId: "first" }));
    const result = await store().apply(record(pnrId, { version: 5, lastDeliveryId: "second" }));
    expect(result.outcome).toBe("applied");
    expect((await store().get(pnrId))?.lastDeliveryId).toBe("second");
  });

  it("applies a higher PNR version", async () => {
    const pnrId = newPnrId();
    await store().apply(record(pnrId, { version: 5 }));
    const result = await store().apply(record(pnrId, { version: 6, status: "TICKETED" }));
    expect(result.outcome).toBe("applied");
    expect(await store().get(pnrId)).toMatchObject({ version: 6, status: "TICKETED" });
  });

  it("compares versions only when both records have one", async () => {
    const pnrId = newPnrId();
    await store().apply(record(pnrId, { version: 5 }));
    expect((await store().apply(record(pnrId, { lastDeliveryId: "unversioned" }))).outcome).toBe(
      "applied",
    );
    expect((await store().apply(record(pnrId, { version: 1 }))).outcome).toBe("applied");
    expect(await store().get(pnrId)).toMatchObject({ version: 1 });
  });

  it("keeps cancellations already recorded when a newer snapshot no longer marks them", async () => {
    const pnrId = newPnrId();
    await store().apply(record(pnrId, { version: 1, cancelledSegmentIds: ["SEG-A", "SEG-B"] }));
    const newer = record(pnrId, { version: 2, cancelledSegmentIds: ["SEG-C", "SEG-A"] });
    const merged = { ...newer, cancelledSegmentIds: ["SEG-A", "SEG-B", "SEG-C"] };
    expect(await store().apply(newer)).toEqual({ outcome: "applied", record: merged });
    expect(await store().get(pnrId)).toEqual(merged);
  });

  it("lists each cancellation once, however often the records name it", async () => {
    const pnrId = newPnrId();
    await store().apply(record(pnrId, { cancelledSegmentIds: ["SEG-A", "SEG-A"] }));
    const result = await store().apply(record(pnrId, { cancelledSegmentIds: ["SEG-B", "SEG-A"] }));
    expect(result.record.cancelledSegmentIds).toEqual(["SEG-A", "SEG-B"]);
    expect((await store().get(pnrId))?.cancelledSegmentIds).toEqual(["SEG-A", "SEG-B"]);
  });

  it("stores what JSON must escape and reads it back exactly", async () => {
    const pnrId = `${newPnrId()}/"\\é`;
    const ids = ['UA1/"x"', "back\\slash", "é✈", "tab\t", "ctl\u0001", "[]}", ""];
    const snapshot = record(pnrId, {
      version: 3,
      status: 'a"b\\c/d',
      totalFare: { amount: 0.1 + 0.2, currencyCode: "EUR" },
      segments: [{ segmentId: "S/1", flight: 'UA"1' }],
      cancelledSegmentIds: ids,
    });
    expect(await store().apply(snapshot)).toEqual({ outcome: "applied", record: snapshot });
    expect(await store().get(pnrId)).toEqual(snapshot);
    const later = record(pnrId, { version: 4, cancelledSegmentIds: [] });
    expect((await store().apply(later)).record.cancelledSegmentIds).toEqual(ids);
    expect((await store().get(pnrId))?.cancelledSegmentIds).toEqual(ids);
  });

  it("keeps every one of 20 concurrent cancellations on one connection", async () => {
    const pnrId = newPnrId();
    await store().apply(record(pnrId, { version: 1 }));
    const ids = Array.from({ length: 20 }, (_, i) => `SEG-${i}`);
    const results = await Promise.all(
      ids.map((id) => store().apply(record(pnrId, { version: 1, cancelledSegmentIds: [id] }))),
    );
    expect(results.every((r) => r.outcome === "applied")).toBe(true);
    expect((await store().get(pnrId))?.cancelledSegmentIds.sort()).toEqual([...ids].sort());
  });

  it("keeps every one of 20 concurrent cancellations spread over four connections", async () => {
    const pnrId = newPnrId();
    const stores = [redis, ...others].map((connection) => createBookingStore(connection, prefix));
    const ids = Array.from({ length: 20 }, (_, i) => `SEG-${i}`);
    await Promise.all(
      ids.map((id, i) =>
        (stores[i % stores.length] ?? store()).apply(
          record(pnrId, { version: 1, cancelledSegmentIds: [id] }),
        ),
      ),
    );
    expect((await store().get(pnrId))?.cancelledSegmentIds.sort()).toEqual([...ids].sort());
  });
});

describe("BookingStore effects", () => {
  it("reports an effect only after it has been recorded", async () => {
    const key = `notify:${uniquePrefix("effect")}`;
    expect(await store().hasEffect(key)).toBe(false);
    await store().recordEffect(key, 60);
    expect(await store().hasEffect(key)).toBe(true);
  });

  it("keeps a recorded effect no longer than its TTL", async () => {
    const key = `notify:${uniquePrefix("effect")}`;
    await store().recordEffect(key, 120);
    const ttlSec = await redis.ttl(effectKeyOf(prefix, key));
    expect(ttlSec).toBeGreaterThan(100);
    expect(ttlSec).toBeLessThanOrEqual(120);
  });

  it("keeps effects of one prefix invisible to a store with another prefix", async () => {
    const key = `notify:${uniquePrefix("effect")}`;
    await store().recordEffect(key, 60);
    const otherPrefix = uniquePrefix("booking-store-other");
    expect(await createBookingStore(redis, otherPrefix).hasEffect(key)).toBe(false);
  });
});
