import { afterAll, describe, expect, it } from "vitest";
import { connect, deletePrefix, uniquePrefix } from "../../../test/support/redis.ts";
import type { BookingRecord } from "./booking-record.ts";
import { createBookingStore } from "./booking-store.ts";

const prefix = uniquePrefix("booking-store");
const redis = connect();
const others = [connect(), connect(), connect()];
const store = createBookingStore(redis, prefix);

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
    const result = await store.apply(pnrId, (current) => {
      expect(current).toBeUndefined();
      return created;
    });
    expect(result).toEqual({ outcome: "applied", record: created });
    expect(await store.get(pnrId)).toEqual(created);
  });

  it("returns undefined from get() for a booking it never stored", async () => {
    expect(await store.get(newPnrId())).toBeUndefined();
  });

  it("hands the stored record to the update function", async () => {
    const pnrId = newPnrId();
    await store.apply(pnrId, () => record(pnrId, { version: 1, status: "CONFIRMED" }));
    let seen: BookingRecord | undefined;
    await store.apply(pnrId, (current) => {
      seen = current;
      return record(pnrId, { version: 2 });
    });
    expect(seen?.status).toBe("CONFIRMED");
  });

  it("refuses a lower PNR version as stale and keeps the stored record", async () => {
    const pnrId = newPnrId();
    const newer = record(pnrId, { version: 5, lastDeliveryId: "d5" });
    await store.apply(pnrId, () => newer);

    const result = await store.apply(pnrId, () =>
      record(pnrId, { version: 4, lastDeliveryId: "d4" }),
    );

    expect(result).toEqual({ outcome: "stale", record: newer });
    expect(await store.get(pnrId)).toEqual(newer);
  });

  it("applies a snapshot of the same PNR version", async () => {
    const pnrId = newPnrId();
    await store.apply(pnrId, () => record(pnrId, { version: 5, lastDeliveryId: "first" }));

    const result = await store.apply(pnrId, () =>
      record(pnrId, { version: 5, lastDeliveryId: "second" }),
    );

    expect(result.outcome).toBe("applied");
    expect((await store.get(pnrId))?.lastDeliveryId).toBe("second");
  });

  it("applies a higher PNR version", async () => {
    const pnrId = newPnrId();
    await store.apply(pnrId, () => record(pnrId, { version: 5 }));

    const result = await store.apply(pnrId, () =>
      record(pnrId, { version: 6, status: "TICKETED" }),
    );

    expect(result.outcome).toBe("applied");
    expect(await store.get(pnrId)).toMatchObject({ version: 6, status: "TICKETED" });
  });

  it("reports unchanged and writes nothing when the update returns undefined", async () => {
    const pnrId = newPnrId();
    const stored = record(pnrId, { version: 3 });
    await store.apply(pnrId, () => stored);

    const result = await store.apply(pnrId, () => undefined);

    expect(result).toEqual({ outcome: "unchanged", record: stored });
    expect(await store.get(pnrId)).toEqual(stored);
  });

  it("throws when the update produces no record for a booking that does not exist", async () => {
    const pnrId = newPnrId();
    await expect(store.apply(pnrId, () => undefined)).rejects.toThrow(pnrId);
    expect(await store.get(pnrId)).toBeUndefined();
  });

  it("keeps every one of 20 concurrent updates on one connection (compare-and-set retries)", async () => {
    const pnrId = newPnrId();
    await store.apply(pnrId, () => record(pnrId, { version: 1 }));
    let updateCalls = 0;
    const ids = Array.from({ length: 20 }, (_, i) => `SEG-${i}`);

    const results = await Promise.all(
      ids.map((id) =>
        store.apply(pnrId, (current) => {
          updateCalls++;
          const base = current ?? record(pnrId, { version: 1 });
          return { ...base, cancelledSegmentIds: [...base.cancelledSegmentIds, id] };
        }),
      ),
    );

    expect(results.every((r) => r.outcome === "applied")).toBe(true);
    expect((await store.get(pnrId))?.cancelledSegmentIds.sort()).toEqual([...ids].sort());
    // Only a lost compare-and-set re-runs an update: without conflicts this would be 20.
    expect(updateCalls).toBeGreaterThan(ids.length);
  });

  it("keeps every one of 20 concurrent updates spread over four connections", async () => {
    const pnrId = newPnrId();
    const stores = [redis, ...others].map((connection) => createBookingStore(connection, prefix));
    const ids = Array.from({ length: 20 }, (_, i) => `SEG-${i}`);

    await Promise.all(
      ids.map((id, i) => {
        const target = stores[i % stores.length] ?? store;
        return target.apply(pnrId, (current) => {
          const base = current ?? record(pnrId, { version: 1 });
          return { ...base, cancelledSegmentIds: [...base.cancelledSegmentIds, id] };
        });
      }),
    );

    expect((await store.get(pnrId))?.cancelledSegmentIds.sort()).toEqual([...ids].sort());
  });
});

describe("BookingStore effects", () => {
  it("reports an effect only after it has been recorded", async () => {
    const key = `notify:${uniquePrefix("effect")}`;
    expect(await store.hasEffect(key)).toBe(false);
    await store.recordEffect(key, 60);
    expect(await store.hasEffect(key)).toBe(true);
  });

  it("keeps a recorded effect no longer than its TTL", async () => {
    const key = `notify:${uniquePrefix("effect")}`;
    await store.recordEffect(key, 120);
    const ttlSec = await redis.ttl(`${prefix}:effect:${key}`);
    expect(ttlSec).toBeGreaterThan(100);
    expect(ttlSec).toBeLessThanOrEqual(120);
  });

  it("keeps effects of one prefix invisible to a store with another prefix", async () => {
    const key = `notify:${uniquePrefix("effect")}`;
    await store.recordEffect(key, 60);
    const otherPrefix = uniquePrefix("booking-store-other");
    expect(await createBookingStore(redis, otherPrefix).hasEffect(key)).toBe(false);
  });
});
