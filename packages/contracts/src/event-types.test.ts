import { describe, expect, it } from "vitest";
import { parseEnvelope } from "./envelope.ts";
import {
  corroboratedOperations,
  knownOperations,
  normalizeOperation,
  operationAliases,
} from "./event-types.ts";

const officialOperations = new Set<string>(Object.values(knownOperations).flat());

describe("normalizeOperation", () => {
  it.each([
    ["FLIGHT_CANCELED", "FLIGHT_CANCELLED"],
    ["BOOKING_CANCELLED_BY_TRAVELER", "BOOKING_CANCELED_BY_TRAVELER"],
    ["BOOKING_CANCELLED_BY_VENDOR", "BOOKING_CANCELED_BY_VENDOR"],
    [" booking_cancelled_by_vendor ", "BOOKING_CANCELED_BY_VENDOR"],
  ])("maps the variant spelling %s onto %s", (variant, official) => {
    expect(normalizeOperation(variant)).toBe(official);
  });

  it.each(["FLIGHT_CANCELLED", "BOOKING_CANCELED_BY_TRAVELER", "BOOKING_CANCELED_BY_VENDOR"])(
    "leaves the official spelling %s as it is",
    (official) => {
      expect(normalizeOperation(official)).toBe(official);
    },
  );

  it("maps every alias onto an official operation, and never renames an official one", () => {
    for (const [variant, official] of Object.entries(operationAliases)) {
      expect(officialOperations.has(official), `${variant} → ${official}`).toBe(true);
      expect(officialOperations.has(variant), `${variant} is official`).toBe(false);
    }
  });

  it("normalises a variant spelling arriving in an envelope", () => {
    const result = parseEnvelope({
      event_type: "PNR_V3",
      operation: "BOOKING_CANCELLED_BY_TRAVELER",
      payload: { pnrId: "P1" },
    });
    expect(result.ok && result.envelope.operation).toBe("BOOKING_CANCELED_BY_TRAVELER");
  });
});

describe("corroboratedOperations", () => {
  it("holds only values that are not already known", () => {
    for (const [eventType, operations] of Object.entries(corroboratedOperations)) {
      for (const operation of operations) {
        expect(officialOperations.has(operation), `${eventType}/${operation}`).toBe(false);
      }
    }
  });
});
