import { EventType, eventTypeSchemas, payloadSchemaFor } from "@skyhook/contracts";
import { describe, expect, it } from "vitest";
import {
  cancelledFlightEnvelope,
  defaultFlights,
  envelope,
  isVersioned,
  pnrPayload,
  routingPairs,
  samplePayload,
  segmentId,
} from "./samples.ts";

describe("sample Spotnana events", () => {
  it("gives every known (event type, operation) a payload its schema accepts", () => {
    for (const { eventType, operation } of routingPairs()) {
      const schema = payloadSchemaFor(eventType, operation);
      const checked = schema?.safeParse(samplePayload(eventType, operation, "E-1", 2));
      expect(checked?.success, `${eventType}/${operation}`).toBe(true);
    }
  });

  it("gives every event type a payload its type's schema accepts under an operation nobody knows yet", () => {
    for (const eventType of EventType.options) {
      const checked = eventTypeSchemas[eventType].safeParse(
        samplePayload(eventType, "NOT_YET_KNOWN", "E-1"),
      );
      expect(checked.success, eventType).toBe(true);
    }
  });

  it("says in the payload what the operation says: a cancelled flight, a cancelled booking", () => {
    const cancelled = samplePayload("PNR_V3", "FLIGHT_CANCELLED", "P-1");
    expect(JSON.stringify(cancelled)).toContain('"flightStatus":"CANCELLED"');
    expect(samplePayload("PNR_V3", "BOOKING_CANCELED_BY_TRAVELER", "P-1")).toMatchObject({
      bookingStatus: "CANCELLED_STATUS",
    });
    expect(samplePayload("TRAVELER_V2", "DELETE", "U-1")).toMatchObject({ isActive: false });
  });

  it("builds a PNR with personal data, two flights and the ids asked for", () => {
    const payload = pnrPayload({ pnrId: "PNR-9", version: 4 });
    expect(payload).toMatchObject({ pnrId: "PNR-9", version: 4, tripId: "TRIP-1" });
    expect(JSON.stringify(payload)).toContain("Lovelace");
    expect(payload.airPnr.legs).toHaveLength(defaultFlights.length);
    expect(pnrPayload().pnrId).not.toBe(pnrPayload().pnrId);
    expect(segmentId({ origin: "A", destination: "B", flight: "XX1", departure: "D" })).toBe(
      "XX1-A-B-D",
    );
  });

  it("wraps a payload in the webhook envelope", () => {
    const at = new Date("2026-12-01T10:00:00Z");
    expect(envelope("BOOKING_CREATED", { pnrId: "P" }, "PNR_V3", at)).toEqual({
      event_type: "PNR_V3",
      operation: "BOOKING_CREATED",
      timestamp: "2026-12-01T10:00:00.000Z",
      payload: { pnrId: "P" },
    });
    const cancellation = cancelledFlightEnvelope("PNR-X");
    expect(cancellation.operation).toBe("FLIGHT_CANCELLED");
    expect(cancellation.payload.airPnr.legs).toHaveLength(1);
    expect(
      payloadSchemaFor("PNR_V3", "FLIGHT_CANCELLED")?.safeParse(cancellation.payload).success,
    ).toBe(true);
  });

  it("varies the version only of the event types the contracts order by version", () => {
    expect(EventType.options.filter(isVersioned)).toEqual(["PNR_V3"]);
  });
});
