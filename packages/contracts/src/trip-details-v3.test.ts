import { describe, expect, it } from "vitest";
import { TripDetailsV3Payload } from "./trip-details-v3.ts";

const trip = {
  tripId: "6926658168",
  tripName: "Q1 customer visit",
  pnrs: [{ pnrId: "1234567890", airPnr: { legs: [] } }],
};

describe("TripDetailsV3Payload", () => {
  it("parses a trip and keeps every field it does not model", () => {
    expect(TripDetailsV3Payload.parse(trip)).toEqual(trip);
  });

  it("keeps unknown nested fields untouched", () => {
    const parsed = TripDetailsV3Payload.parse({
      ...trip,
      audience: { organizationId: { id: "O" } },
    });
    expect(parsed).toMatchObject({
      audience: { organizationId: { id: "O" } },
      pnrs: [{ pnrId: "1234567890" }],
    });
  });

  it("rejects a payload without tripId, naming tripId", () => {
    const result = TripDetailsV3Payload.safeParse({ tripName: "Q1 customer visit" });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path)).toEqual([["tripId"]]);
  });
});
