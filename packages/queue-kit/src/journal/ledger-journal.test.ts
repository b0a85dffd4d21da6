import { afterAll, describe, expect, it } from "vitest";
import { deadLetterJobId } from "../job-ids.ts";
import { createLedger } from "../ledger.ts";
import { cancelled, cleanUp, fields, redis, journalRig as setup } from "./test-rig.ts";

afterAll(cleanUp);

describe("the ledger's counts", () => {
  const key = { subscription: "tmc", eventType: "PNR_V3", operation: "FLIGHT_CANCELLED" };

  it("journal a delivery as accepted, then each re-send as a duplicate, in the count's own script", async () => {
    const t = setup();
    const ledger = createLedger(redis, t.keys);
    await redis.hset(t.keys.job(cancelled.queue, "wh-d-1"), "name", "x");
    const count = {
      jobId: "wh-d-1",
      key,
      indexPair: false,
      entry: fields("d-1", { bodyBytes: 42 }),
    };
    await ledger.countDeliveries(cancelled.queue, [count]);
    await ledger.countDeliveries(cancelled.queue, [count]);
    const entries = await t.timeline({ deliveryId: "d-1" });
    expect(entries.map((e) => [e.outcome, e.bodyBytes])).toEqual([
      ["accepted", 42],
      ["duplicate", 42],
    ]);
  });

  it("journal a filtered delivery once, and its re-send as a duplicate", async () => {
    const t = setup();
    const ledger = createLedger(redis, t.keys);
    const entry = fields("f-1", { reason: "excluded_operation" });
    await ledger.countFiltered(cancelled.queue, "wh-f-1", key, "excluded_operation", 60, entry);
    await ledger.countFiltered(cancelled.queue, "wh-f-1", key, "excluded_operation", 60, entry);
    const entries = await t.timeline({ deliveryId: "f-1" });
    expect(entries.map((e) => [e.outcome, e.reason])).toEqual([
      ["filtered", "excluded_operation"],
      ["duplicate", "excluded_operation"],
    ]);
  });

  it("journal an event leaving a kept queue once, by whichever way out counts first", async () => {
    const t = setup();
    const ledger = createLedger(redis, t.keys);
    const leaving = { outcome: "replayed" as const, fields: fields("d-1") };
    const letterId = deadLetterJobId(leaving.fields.jobId);
    await redis.hset(t.keys.job(cancelled.deadLetter, letterId), "name", "x");
    const args = [cancelled.queue, cancelled.deadLetter, letterId, key] as const;
    expect(await ledger.countMovedOut(...args, leaving)).toBe(true);
    expect(await ledger.countMovedOut(...args, leaving)).toBe(false);
    expect(await ledger.countPurged(...args, fields("d-1"))).toBe(false);
    expect((await t.timeline({ deliveryId: "d-1" })).map((e) => e.outcome)).toEqual(["replayed"]);
  });
});
