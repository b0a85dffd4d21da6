import { rejectedQueueName, unroutedQueueNames } from "@skyhook/contracts";
import { afterAll, describe, expect, it } from "vitest";
import { deadLetterJobId, staleJobId, webhookJobId } from "../job-ids.ts";
import { createLedger } from "../ledger.ts";
import { cancelled, cleanUp, created, fields, redis, journalRig as setup } from "./test-rig.ts";
import { trimJournals } from "./trim-journal.ts";

afterAll(cleanUp);

describe("the journal", () => {
  it("writes an entry with every field and finds it by PNR, trip, traveler and delivery id", async () => {
    const t = setup();
    const written = fields("d-1", {
      tripId: "TRIP-1",
      travelerId: "U-1",
      version: 7,
      bodyBytes: 1234,
      reason: "version 7 is older than applied 8",
    });
    await t.writer.write(cancelled.queue, "stale", written);
    for (const query of [
      { pnr: "PNR-1" },
      { trip: "TRIP-1" },
      { traveler: "U-1" },
      { deliveryId: "d-1" },
    ]) {
      const entries = await t.timeline(query);
      expect(entries, JSON.stringify(query)).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        ...written,
        queue: cancelled.queue,
        outcome: "stale",
        kept: { location: "stale", queue: cancelled.stale, jobId: staleJobId(written.jobId) },
      });
      expect(Date.now() - Date.parse(entries[0]?.at ?? "")).toBeLessThan(10_000);
    }
    expect(await t.timeline({ pnr: "PNR-2" })).toEqual([]);
  });

  it("merges every queue's entries of one PNR into one timeline in time order, {rejected} included", async () => {
    const t = setup();
    // Entries of two queues written in the same millisecond are ordered by queue name.
    const later = () => new Promise((resolve) => setTimeout(resolve, 3));
    await t.writer.write(rejectedQueueName, "rejected", fields("d-0", { jobId: "iv-x" }));
    await later();
    await t.writer.write(created.queue, "applied", fields("d-1", { operation: "BOOKING_CREATED" }));
    await later();
    await t.writer.write(cancelled.queue, "retried", fields("d-2", { reason: "HTTP 500" }));
    await later();
    await t.writer.write(unroutedQueueNames.queue, "accepted", fields("d-3", { operation: "X" }));
    await later();
    await t.writer.write(cancelled.queue, "dead-lettered", fields("d-2"));
    const entries = await t.timeline({ pnr: "PNR-1" });
    expect(entries.map((e) => [e.outcome, e.deliveryId])).toEqual([
      ["rejected", "d-0"],
      ["applied", "d-1"],
      ["retried", "d-2"],
      ["accepted", "d-3"],
      ["dead-lettered", "d-2"],
    ]);
    expect(entries.map((e) => e.kept)).toEqual([
      { location: "rejected", queue: rejectedQueueName, jobId: "iv-x" },
      undefined,
      undefined,
      { location: "catch-all", queue: unroutedQueueNames.queue, jobId: webhookJobId("d-3") },
      {
        location: "dead-letter",
        queue: cancelled.deadLetter,
        jobId: deadLetterJobId(webhookJobId("d-2")),
      },
    ]);
    const delivery = await t.timeline({ deliveryId: "d-2" });
    expect(delivery.map((e) => e.outcome)).toEqual(["retried", "dead-lettered"]);
  });

  it("indexes an overlong id under its digest and stores it cut to 200 characters", async () => {
    const t = setup();
    const long = "P".repeat(300);
    await t.writer.write(cancelled.queue, "applied", fields("d-1", { pnrId: long }));
    const indexes = await redis.keys(t.keys.journalByEntity(cancelled.queue, "pnr", "*"));
    expect(indexes).toHaveLength(1);
    expect(indexes[0]).not.toContain(long);
    const found = await t.timeline({ pnr: long });
    expect(found).toHaveLength(1);
    expect(found[0]?.pnrId).toHaveLength(200);
  });

  it("stores a job id that repeats the delivery id in a byte or three, and reads it back whole", async () => {
    const t = setup();
    // Literal ids: the point is how each one is stored (the delivery id left out of it).
    const ids = [
      ["d-1", "wh-d-1", "wh-"],
      ["ev-abc", "ev-abc", "="],
      ["d-2", "rp1-wh-d-2", "rp1-wh-d-2"],
      ["", "dl-x", "dl-x"],
    ] as const;
    for (const [deliveryId, jobId] of ids)
      await t.writer.write(cancelled.queue, "applied", fields(deliveryId, { jobId }));
    const stored = await redis.xrange(t.keys.journal(cancelled.queue), "-", "+");
    expect(stored.map(([, values]) => values[values.indexOf("j") + 1])).toEqual(
      ids.map(([, , raw]) => raw),
    );
    const read = await t.timeline({ pnr: "PNR-1" });
    expect(read.map((e) => [e.deliveryId, e.jobId])).toEqual(ids.map(([d, j]) => [d, j]));
  });

  it("writes nothing while switched off, from the stand-alone script or a ledger count", async () => {
    const off = { enabled: false, maxAgeSec: 3600 };
    const t = setup(off);
    await t.writer.write(cancelled.queue, "applied", fields("d-1"));
    const ledger = createLedger(redis, t.keys, off);
    const key = { subscription: "tmc", eventType: "PNR_V3", operation: "FLIGHT_CANCELLED" };
    expect(await ledger.countFiltered(cancelled.queue, "wh-f", key, "x", 60, fields("f"))).toBe(
      "filtered",
    );
    const indexes = await Promise.all([
      ...(["pnr", "trip", "traveler"] as const).map((kind) =>
        redis.keys(t.keys.journalByEntity("*", kind, "*")),
      ),
      redis.keys(t.keys.journalByDay("*", "*")),
    ]);
    expect(indexes.flat()).toEqual([]);
    expect(await redis.exists(t.keys.journal(cancelled.queue))).toBe(0);
  });

  it("drops entries older than its age bound as it writes: stream nodes past it, index ids past it", async () => {
    const t = setup({ enabled: true, maxAgeSec: 1 });
    await Promise.all(
      Array.from({ length: 250 }, (_, i) =>
        t.writer.write(cancelled.queue, "applied", fields(`old-${i}`)),
      ),
    );
    expect(await redis.xlen(t.keys.journal(cancelled.queue))).toBe(250);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await t.writer.write(cancelled.queue, "applied", fields("new"));
    // MINID ~ removes whole nodes (at most 100 entries or 4 KB each by default): the last, partly new, stays.
    expect(await redis.xlen(t.keys.journal(cancelled.queue))).toBeLessThanOrEqual(100);
    expect(await redis.zcard(t.keys.journalByEntity(cancelled.queue, "pnr", "PNR-1"))).toBe(1);
    expect((await t.timeline({ pnr: "PNR-1" })).map((e) => e.deliveryId)).toEqual(["new"]);
    expect(await t.timeline({ deliveryId: "old-249" })).toEqual([]);
    expect(await redis.ttl(t.keys.journalByEntity(cancelled.queue, "pnr", "PNR-1"))).toBe(1);
  });

  it("is brought within its size bound by a trim, and a timeline skips the entries its index still names", async () => {
    const t = setup();
    await Promise.all(
      Array.from({ length: 350 }, (_, i) =>
        t.writer.write(cancelled.queue, "applied", fields(`d-${i}`)),
      ),
    );
    const trimmed = await trimJournals(redis, t.keys, t.queues, 100);
    const left = await redis.xlen(t.keys.journal(cancelled.queue));
    expect(left).toBeGreaterThanOrEqual(100);
    expect(left).toBeLessThan(200);
    expect(trimmed).toEqual({ [cancelled.queue]: 350 - left });
    expect(await redis.zcard(t.keys.journalByEntity(cancelled.queue, "pnr", "PNR-1"))).toBe(350);
    const entries = await t.timeline({ pnr: "PNR-1" });
    expect(entries).toHaveLength(left);
    expect(entries.at(-1)?.deliveryId).toBe("d-349");
    expect(await t.timeline({ deliveryId: "d-0" })).toEqual([]);
  });
});
