import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { FlightCancelledPayload, PnrV3Payload, travelerUserIds } from "./pnr-v3.ts";

const flight = {
  flightId: "F1",
  origin: "SFO",
  destination: "JFK",
  departureDateTime: { iso8601: "2026-02-01T08:00:00" },
  marketing: { airlineCode: "UA", num: "123" },
  flightStatus: "CANCELLED",
};

const pnr = {
  pnrId: "1234567890",
  tripId: "6926658168",
  version: 4,
  audience: { organizationId: { id: "ORG-1" } },
  bookingStatus: "CONFIRMED_STATUS",
  pnrTravelers: [{ userId: { id: "U1" } }],
  totalFare: { amount: 412.5, currencyCode: "USD" },
  airPnr: { legs: [{ legId: "L1", flights: [flight] }] },
};

function issuePaths(schema: z.ZodType, value: unknown): PropertyKey[][] {
  const result = schema.safeParse(value);
  if (result.success) throw new Error("expected the payload to be rejected");
  return result.error.issues.map((issue) => issue.path);
}

describe("PnrV3Payload", () => {
  it("parses a PNR snapshot", () => {
    const parsed = PnrV3Payload.parse(pnr);
    expect(parsed.pnrId).toBe("1234567890");
    expect(parsed.version).toBe(4);
    expect(parsed.airPnr?.legs[0]?.flights[0]?.flightStatus).toBe("CANCELLED");
  });

  it("defaults the traveler list of a PNR that has none", () => {
    expect(PnrV3Payload.parse({ pnrId: "P1" }).pnrTravelers).toEqual([]);
  });

  it("keeps unknown fields at the top level and deep inside the air PNR", () => {
    const parsed = PnrV3Payload.parse({
      ...pnr,
      bookingHistory: [{ bookerInfo: { name: "Ada" } }],
      airPnr: { legs: [{ legId: "L1", flights: [{ ...flight, cabin: "ECONOMY" }] }], pcc: "X" },
    });
    expect(parsed).toMatchObject({
      bookingHistory: [{ bookerInfo: { name: "Ada" } }],
      airPnr: { pcc: "X", legs: [{ flights: [{ cabin: "ECONOMY" }] }] },
    });
  });

  it("rejects a payload without pnrId, naming pnrId", () => {
    const { pnrId: _pnrId, ...withoutPnrId } = pnr;
    expect(issuePaths(PnrV3Payload, withoutPnrId)).toEqual([["pnrId"]]);
  });
});

describe("FlightCancelledPayload", () => {
  it("parses a PNR that names its flights", () => {
    expect(FlightCancelledPayload.parse(pnr).airPnr.legs).toHaveLength(1);
  });

  it("rejects a PNR without an air PNR, naming airPnr", () => {
    const { airPnr: _airPnr, ...withoutAir } = pnr;
    expect(issuePaths(FlightCancelledPayload, withoutAir)).toEqual([["airPnr"]]);
  });

  it("rejects an air PNR without legs, naming airPnr.legs", () => {
    expect(issuePaths(FlightCancelledPayload, { ...pnr, airPnr: { legs: [] } })).toEqual([
      ["airPnr", "legs"],
    ]);
  });
});

describe("travelerUserIds", () => {
  it("reads user ids given as strings, {id} objects or traveler ids", () => {
    expect(
      travelerUserIds([{ userId: "U1" }, { userId: { id: "U2" } }, { travelerId: "T3" }, {}]),
    ).toEqual(["U1", "U2", "T3"]);
  });
});
