import { rejectedQueueName, unroutedQueueNames } from "@skyhook/contracts";
import { afterAll, describe, expect, it } from "vitest";
import { JournalSearch, TimelineQuery } from "./entry.ts";
import { cancelled, cleanUp, created, fields, journalRig as setup } from "./test-rig.ts";

afterAll(cleanUp);

describe("a journal search", () => {
  const outcomes = ["accepted", "applied", "retried", "dead-lettered"] as const;
  const queues = [cancelled.queue, created.queue, unroutedQueueNames.queue, rejectedQueueName];

  async function written() {
    const t = setup();
    for (let i = 0; i < 40; i++) {
      const queue = queues[i % queues.length] ?? cancelled.queue;
      const outcome = outcomes[i % 3] ?? "accepted";
      const operation = i % 2 === 0 ? "FLIGHT_CANCELLED" : "BOOKING_CREATED";
      await t.writer.write(queue, outcome, fields(`d-${i}`, { operation }));
    }
    return t;
  }

  it("returns every queue's entries newest first, and pages through them with its cursor exactly once each", async () => {
    const t = await written();
    const all = await t.search({ limit: 1_000 });
    expect(all.cursor).toBeUndefined();
    expect(all.entries).toHaveLength(40);
    const order = all.entries.map((e) => `${e.id} ${e.queue}`);
    const newestFirst = (a: string, b: string) => {
      const [aId = "", aQueue = ""] = a.split(" ");
      const [bId = "", bQueue = ""] = b.split(" ");
      const [aMs = 0, aSeq = 0] = aId.split("-").map(Number);
      const [bMs = 0, bSeq = 0] = bId.split("-").map(Number);
      return bMs - aMs || bSeq - aSeq || (aQueue < bQueue ? 1 : -1);
    };
    expect(order).toEqual([...order].sort(newestFirst));
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await t.search({ limit: 7, cursor });
      expect(page.entries.length).toBeLessThanOrEqual(7);
      paged.push(...page.entries.map((e) => `${e.id} ${e.queue}`));
      cursor = page.cursor;
    } while (cursor !== undefined);
    expect(paged).toEqual(order);
  });

  it("filters by outcome, operation, subscription and time range", async () => {
    const t = await written();
    const retried = await t.search({ outcome: "retried", limit: 1_000 });
    expect(retried.entries.map((e) => e.outcome)).toEqual(Array(13).fill("retried"));
    const booking = await t.search({ operation: "BOOKING_CREATED", limit: 1_000 });
    expect(booking.entries).toHaveLength(20);
    expect(booking.entries.every((e) => e.operation === "BOOKING_CREATED")).toBe(true);
    expect((await t.search({ subscription: "other" })).entries).toEqual([]);
    const all = (await t.search({ limit: 1_000 })).entries;
    const middle = all[20];
    if (middle === undefined) throw new Error("no entry");
    const older = await t.search({ until: middle.at, limit: 1_000 });
    expect(older.entries.every((e) => Date.parse(e.at) <= Date.parse(middle.at))).toBe(true);
    expect(older.entries.map((e) => e.id)).toContain(middle.id);
    const newer = await t.search({ since: middle.at, limit: 1_000 });
    expect(newer.entries.every((e) => Date.parse(e.at) >= Date.parse(middle.at))).toBe(true);
    expect(newer.entries.length + older.entries.length).toBeGreaterThanOrEqual(40);
  });

  it("refuses a cursor it did not hand out", () => {
    expect(JournalSearch.safeParse({ cursor: "not-a-cursor" }).success).toBe(false);
    expect(TimelineQuery.safeParse({ pnr: "P", trip: "T" }).success).toBe(false);
    expect(TimelineQuery.safeParse({}).success).toBe(false);
  });
});
