import { describe, expect, it } from "vitest";
import { queueLabel, queueNamesFor, queueNamesOf, unroutedQueueNames } from "./queue-names.ts";

/** Redis Cluster hashes only the first `{…}` of a key: this is the slot a name lands in. */
function hashTagOf(name: string): string | undefined {
  return /^\{([^{}]+)\}/.exec(name)?.[1];
}

describe("queueNamesFor", () => {
  it("derives a readable, hash-tagged name from the routing pair", () => {
    expect(queueNamesFor("PNR_V3", "FLIGHT_CANCELLED")).toEqual({
      queue: "{pnr-v3.flight-cancelled}",
      deadLetter: "{pnr-v3.flight-cancelled}.dead-letter",
      stale: "{pnr-v3.flight-cancelled}.stale",
      filtered: "{pnr-v3.flight-cancelled}.filtered",
    });
  });

  it("puts a queue and its dead-letter queue under the same hash tag", () => {
    const names = queueNamesFor("PNR_V3", "BOOKING_CREATED");
    expect(hashTagOf(names.queue)).toBe("pnr-v3.booking-created");
    expect(hashTagOf(names.deadLetter)).toBe(hashTagOf(names.queue));
    expect(hashTagOf(names.stale)).toBe(hashTagOf(names.queue));
    expect(hashTagOf(names.filtered)).toBe(hashTagOf(names.queue));
    expect(names.deadLetter).toBe(`${names.queue}.dead-letter`);
  });

  it("never produces a ':' even when the inputs contain one", () => {
    const names = queueNamesFor("PNR:V3", "a:b::c");
    expect(names.queue).not.toContain(":");
    expect(names.deadLetter).not.toContain(":");
    expect(hashTagOf(names.queue)).toBe("pnr-v3.a-b-c");
  });

  it("gives two operations of one event type different queues and hash tags", () => {
    const cancelled = queueNamesFor("PNR_V3", "FLIGHT_CANCELLED");
    const created = queueNamesFor("PNR_V3", "BOOKING_CREATED");
    expect(cancelled.queue).not.toBe(created.queue);
    expect(cancelled.deadLetter).not.toBe(created.deadLetter);
    expect(hashTagOf(cancelled.queue)).not.toBe(hashTagOf(created.queue));
  });

  it("keeps the catch-all queues hash-tagged and free of ':'", () => {
    expect(hashTagOf(unroutedQueueNames.queue)).toBe("unrouted");
    expect(hashTagOf(unroutedQueueNames.deadLetter)).toBe("unrouted");
    expect(`${unroutedQueueNames.queue}${unroutedQueueNames.deadLetter}`).not.toContain(":");
  });
});

describe("queueNamesOf", () => {
  it("derives every name of a queue from the queue's own name", () => {
    const names = queueNamesFor("PNR_V3", "FLIGHT_CANCELLED");
    expect(queueNamesOf(names.queue)).toEqual(names);
    expect(queueNamesOf(unroutedQueueNames.queue)).toEqual(unroutedQueueNames);
  });

  it("gives nothing for a name that is not a queue's", () => {
    expect(queueNamesOf(unroutedQueueNames.deadLetter)).toBeUndefined();
    expect(queueNamesOf("pnr-v3.flight-cancelled")).toBeUndefined();
  });
});

describe("queueLabel", () => {
  it("strips the hash-tag braces from a queue name", () => {
    expect(queueLabel("{pnr-v3.flight-cancelled}")).toBe("pnr-v3.flight-cancelled");
  });

  it("strips the braces from a dead-letter queue name", () => {
    expect(queueLabel("{pnr-v3.flight-cancelled}.dead-letter")).toBe(
      "pnr-v3.flight-cancelled.dead-letter",
    );
  });
});
