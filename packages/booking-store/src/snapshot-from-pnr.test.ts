import { PnrV3Payload } from "@skyhook/contracts";
import { defaultFlights, pnrPayload, segmentId } from "@skyhook/spotnana-sender";
import { describe, expect, it } from "vitest";
import { segmentsOf, snapshotFromPnr } from "./snapshot-from-pnr.ts";

const meta = { deliveryId: "delivery-7", now: new Date("2026-03-01T12:00:00.000Z") };
const [outbound, inbound] = defaultFlights;
if (outbound === undefined || inbound === undefined) throw new Error("two default flights");

describe("segmentsOf", () => {
  it("lists one segment per flight, identified by flight, route and departure", () => {
    const { segments, cancelledSegmentIds } = segmentsOf(PnrV3Payload.parse(pnrPayload()));
    expect(segments).toEqual([
      {
        segmentId: segmentId(outbound),
        flight: "UA100",
        origin: "SFO",
        destination: "JFK",
        departure: outbound.departure,
      },
      {
        segmentId: segmentId(inbound),
        flight: "UA101",
        origin: "JFK",
        destination: "SFO",
        departure: inbound.departure,
      },
    ]);
    expect(cancelledSegmentIds).toEqual([]);
  });

  it("marks a flight cancelled by its flightStatus", () => {
    const payload = PnrV3Payload.parse(
      pnrPayload({ flights: [outbound, { ...inbound, cancelled: true }] }),
    );
    expect(segmentsOf(payload).cancelledSegmentIds).toEqual([segmentId(inbound)]);
  });

  it("marks every flight of a leg cancelled by its legStatus", () => {
    const payload = PnrV3Payload.parse({
      pnrId: "PNR-LEG",
      airPnr: {
        legs: [
          {
            legStatus: "CANCELLED",
            flights: [
              { flightId: "F1", flightStatus: "CONFIRMED" },
              { flightId: "F2", flightStatus: "CONFIRMED" },
            ],
          },
          { legStatus: "CONFIRMED", flights: [{ flightId: "F3", flightStatus: "CONFIRMED" }] },
        ],
      },
    });
    expect(segmentsOf(payload).cancelledSegmentIds).toEqual(["F1", "F2"]);
  });

  it("prefers Spotnana's flightId as the segment id", () => {
    const payload = PnrV3Payload.parse({
      pnrId: "PNR-F",
      airPnr: {
        legs: [
          {
            flights: [
              {
                flightId: "FLIGHT-ABC",
                origin: "SFO",
                destination: "JFK",
                marketing: { airlineCode: "UA", num: "100" },
                departureDateTime: { iso8601: "2026-12-01T10:00:00" },
                flightStatus: "CANCELLED",
              },
            ],
          },
        ],
      },
    });
    const { segments, cancelledSegmentIds } = segmentsOf(payload);
    expect(segments.map((s) => s.segmentId)).toEqual(["FLIGHT-ABC"]);
    expect(segments[0]?.flight).toBe("UA100");
    expect(cancelledSegmentIds).toEqual(["FLIGHT-ABC"]);
  });

  it("falls back to the flight's position when it carries nothing identifying", () => {
    const payload = PnrV3Payload.parse({
      pnrId: "PNR-P",
      airPnr: { legs: [{ flights: [{}] }, { flights: [{}, { flightStatus: "CANCELLED" }] }] },
    });
    const { segments, cancelledSegmentIds } = segmentsOf(payload);
    expect(segments.map((s) => s.segmentId)).toEqual([
      "leg0-flight0",
      "leg1-flight0",
      "leg1-flight1",
    ]);
    expect(cancelledSegmentIds).toEqual(["leg1-flight1"]);
  });

  it("yields no segments for a PNR without an air booking", () => {
    expect(segmentsOf(PnrV3Payload.parse({ pnrId: "PNR-HOTEL" }))).toEqual({
      segments: [],
      cancelledSegmentIds: [],
    });
  });
});

describe("snapshotFromPnr", () => {
  it("projects the PNR's keys, status, fare and delivery", () => {
    const payload = PnrV3Payload.parse(pnrPayload({ pnrId: "PNR-1", version: 4 }));
    const snapshot = snapshotFromPnr(payload, meta);
    expect(snapshot).toMatchObject({
      pnrId: "PNR-1",
      tripId: "TRIP-1",
      organizationId: "ORG-42",
      version: 4,
      status: "CONFIRMED_STATUS",
      totalFare: { amount: 812.4, currencyCode: "USD" },
      lastDeliveryId: "delivery-7",
      updatedAt: "2026-03-01T12:00:00.000Z",
    });
    expect(snapshot.segments).toHaveLength(2);
  });

  it("keeps travelers as user ids only, with no names or dates of birth", () => {
    const payload = PnrV3Payload.parse({
      ...pnrPayload(),
      pnrTravelers: [
        {
          userId: { id: "USER-1" },
          personalInfo: { name: { given: "Ada", family: "Lovelace" }, dob: "1815-12-10" },
        },
        { userId: "USER-2", personalInfo: { name: { given: "Grace", family: "Hopper" } } },
      ],
    });

    const snapshot = snapshotFromPnr(payload, meta);

    expect(snapshot.travelerUserIds).toEqual(["USER-1", "USER-2"]);
    const stored = JSON.stringify(snapshot);
    for (const personal of ["Ada", "Lovelace", "1815-12-10", "Grace", "Hopper", "personalInfo"]) {
      expect(stored).not.toContain(personal);
    }
  });
});
