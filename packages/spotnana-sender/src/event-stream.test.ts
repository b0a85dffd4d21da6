import { knownOperations, payloadSchemaFor } from "@skyhook/contracts";
import { describe, expect, it } from "vitest";
import { generateEvents } from "./event-stream.ts";
import { routingPairs } from "./samples.ts";

const take = (n: number, options: Partial<Parameters<typeof generateEvents>[0]> = {}) => {
  const events = generateEvents({
    runId: "t",
    versions: 3,
    largeShare: 0,
    largeKb: 64,
    reorder: 0,
    random: Math.random,
    ...options,
  });
  return Array.from({ length: n }, () => {
    const next = events.next();
    if (next.done === true) throw new Error("the generator ended");
    return next.value;
  });
};

describe("the simulator's events", () => {
  it("covers every known operation of every event type, each payload valid for its schema", () => {
    const pairs = routingPairs();
    for (const [type, operations] of Object.entries(knownOperations))
      for (const operation of operations)
        expect(pairs).toContainEqual({ eventType: type, operation });
    const events = take(pairs.length * 3);
    for (const e of events) {
      const envelope = JSON.parse(e.body) as {
        event_type: string;
        operation: string;
        payload: unknown;
      };
      expect(
        payloadSchemaFor(envelope.event_type, envelope.operation)?.safeParse(envelope.payload)
          .success,
      ).toBe(true);
    }
    expect(new Set(events.map((e) => e.eventType))).toContain("TRIP_DETAILS_V3");
  });

  it("sends several versions per PNR, newest first when reordered, and cancels a flight in FLIGHT_CANCELLED", () => {
    const inOrder = take(200).filter(
      (e) => e.eventType === "PNR_V3" && e.operation === "BOOKING_CREATED",
    );
    expect(inOrder.slice(0, 3).map((e) => e.version)).toEqual([1, 2, 3]);
    const reordered = take(200, { reorder: 1 }).filter((e) => e.operation === "BOOKING_CREATED");
    expect(reordered.slice(0, 3).map((e) => e.version)).toEqual([3, 2, 1]);
    expect(new Set(reordered.slice(0, 3).map((e) => e.entity)).size).toBe(1);
    const cancelled = take(200).find((e) => e.operation === "FLIGHT_CANCELLED");
    expect(cancelled?.body).toContain('"flightStatus":"CANCELLED"');
  });

  it("pads a large event with booking history to the size asked for", () => {
    const [large] = take(1, { largeShare: 1, largeKb: 256 });
    expect(large?.large).toBe(true);
    expect(large?.body.length).toBeGreaterThanOrEqual(256 * 1024);
    expect(large?.body.length).toBeLessThan(260 * 1024);
    expect(large?.body).toContain("bookingHistory");
  });
});
