import { queueNamesFor, unroutedQueueNames } from "@skyhook/contracts";
import { describe, expect, it } from "vitest";
import { boardQueuesOf } from "./board-queues.ts";

const flightCancelled = queueNamesFor("PNR_V3", "FLIGHT_CANCELLED");
const bookingCreated = queueNamesFor("PNR_V3", "BOOKING_CREATED");

describe("boardQueuesOf", () => {
  it("labels an operation's queue, its dead letters and its skipped-stale events by role", () => {
    expect(boardQueuesOf([flightCancelled]).slice(0, 3)).toEqual([
      expect.objectContaining({
        name: "{pnr-v3.flight-cancelled}",
        role: "operation",
        label: "pnr-v3.flight-cancelled",
      }),
      expect.objectContaining({
        name: "{pnr-v3.flight-cancelled}.dead-letter",
        role: "dead-letter",
        label: "pnr-v3.flight-cancelled · dead letters",
      }),
      expect.objectContaining({
        name: "{pnr-v3.flight-cancelled}.stale",
        role: "stale",
        label: "pnr-v3.flight-cancelled · skipped stale",
      }),
    ]);
  });

  it("lists an operation's filtered deliveries after its other kept queues", () => {
    expect(boardQueuesOf([flightCancelled])[3]).toEqual(
      expect.objectContaining({
        name: "{pnr-v3.flight-cancelled}.filtered",
        role: "filtered",
        label: "pnr-v3.flight-cancelled · filtered",
      }),
    );
  });

  it("lists the catch-all and its filtered deliveries last, but not its dead-letter and stale queues", () => {
    const listed = boardQueuesOf([unroutedQueueNames, flightCancelled]);
    expect(listed.slice(-2)).toEqual([
      expect.objectContaining({
        name: "{unrouted}",
        role: "catch-all",
        label: "catch-all (no handler yet)",
      }),
      expect.objectContaining({
        name: "{unrouted}.filtered",
        role: "filtered",
        label: "catch-all · filtered",
      }),
    ]);
    const names = listed.map((queue) => queue.name);
    expect(names).not.toContain(unroutedQueueNames.deadLetter);
    expect(names).not.toContain(unroutedQueueNames.stale);
    expect(names.filter((name) => name === "{unrouted}")).toHaveLength(1);
  });

  it("lists each operation once, in name order, however often and in whatever order it is given", () => {
    const names = boardQueuesOf([flightCancelled, bookingCreated, flightCancelled]).map(
      (queue) => queue.name,
    );
    expect(names).toEqual([
      bookingCreated.queue,
      bookingCreated.deadLetter,
      bookingCreated.stale,
      bookingCreated.filtered,
      flightCancelled.queue,
      flightCancelled.deadLetter,
      flightCancelled.stale,
      flightCancelled.filtered,
      unroutedQueueNames.queue,
      unroutedQueueNames.filtered,
    ]);
  });

  it("always lists the catch-all, where events nobody handles yet are kept", () => {
    expect(boardQueuesOf([]).map((queue) => queue.role)).toEqual(["catch-all", "filtered"]);
  });
});
