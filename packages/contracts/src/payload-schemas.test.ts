import { describe, expect, it } from "vitest";
import { AgentTaskDetailsPayload } from "./agent-task-details.ts";
import { corroboratedOperations, EventType, knownOperations } from "./event-types.ts";
import { routedOperations } from "./operations.ts";
import { eventTypeSchemas, payloadSchemaFor, payloadSchemas } from "./payload-schemas.ts";
import { PnrApprovalPayload } from "./pnr-approval.ts";
import { FlightCancelledPayload, PnrV3Payload } from "./pnr-v3.ts";
import { ServiceChargePayload } from "./service-charge.ts";
import { TravelerV2Payload } from "./traveler-v2.ts";
import { TripDetailsV3Payload } from "./trip-details-v3.ts";

/** One realistic payload per event type; every operation of the type must accept it. */
const samples: Record<EventType, Record<string, unknown>> = {
  TRAVELER_V2: { id: "U1", externalId: "E1", isActive: true, businessInfo: { companyId: "C1" } },
  PNR_V3: {
    pnrId: "P1",
    tripId: "T1",
    version: 2,
    airPnr: { legs: [{ flights: [{ flightId: "F1", flightStatus: "CANCELLED" }] }] },
  },
  TRIP_DETAILS_V3: { tripId: "T1" },
  PNR_APPROVAL: { pnrId: "P1", approvalId: "A1", appliedApprovalType: "HARD_APPROVAL" },
  AGENT_TASK_DETAILS: { id: "TASK-1", pnrId: "P1", organization: { id: "ORG-1" } },
  SERVICE_CHARGE: { entity: { fee: { amount: 25, currencyCode: "USD" } } },
};

const knownPairs = EventType.options.flatMap((eventType) => {
  const operations: readonly string[] = knownOperations[eventType];
  return operations.map((operation) => [eventType, operation] as const);
});

describe("payloadSchemas", () => {
  it("lists a schema of its own for every pair in knownOperations", () => {
    expect(knownPairs.length).toBeGreaterThan(20);
    for (const [eventType, operation] of knownPairs) {
      const byOperation: Readonly<Record<string, unknown>> = payloadSchemas[eventType];
      expect(Object.hasOwn(byOperation, operation), `${eventType}/${operation}`).toBe(true);
    }
  });

  it("lists no operation that knownOperations does not know", () => {
    for (const eventType of EventType.options) {
      expect(Object.keys(payloadSchemas[eventType]).sort(), eventType).toEqual(
        [...knownOperations[eventType]].sort(),
      );
    }
  });
});

describe("payloadSchemaFor", () => {
  it.each(knownPairs)("returns the registered schema for %s/%s", (eventType, operation) => {
    const byOperation: Readonly<Record<string, unknown>> = payloadSchemas[eventType];
    expect(payloadSchemaFor(eventType, operation)).toBe(byOperation[operation]);
  });

  it.each(knownPairs)("accepts a realistic %s payload for operation %s", (eventType, operation) => {
    const schema = payloadSchemaFor(eventType, operation);
    expect(schema?.safeParse(samples[eventType]).success).toBe(true);
  });

  it.each([
    ["TRAVELER_V2", TravelerV2Payload],
    ["PNR_V3", PnrV3Payload],
    ["TRIP_DETAILS_V3", TripDetailsV3Payload],
    ["PNR_APPROVAL", PnrApprovalPayload],
    ["AGENT_TASK_DETAILS", AgentTaskDetailsPayload],
    ["SERVICE_CHARGE", ServiceChargePayload],
  ] as const)("gives %s its own payload schema as the base schema", (eventType, schema) => {
    expect(eventTypeSchemas[eventType]).toBe(schema);
  });

  it("uses the event type's schema for every PNR_V3 operation but FLIGHT_CANCELLED", () => {
    for (const operation of knownOperations.PNR_V3) {
      const expected = operation === "FLIGHT_CANCELLED" ? FlightCancelledPayload : PnrV3Payload;
      expect(payloadSchemaFor("PNR_V3", operation), operation).toBe(expected);
    }
  });

  it("keeps FLIGHT_CANCELLED stricter than the other PNR_V3 operations", () => {
    const withoutFlights = { pnrId: "P1" };
    expect(payloadSchemaFor("PNR_V3", "FLIGHT_CANCELLED")?.safeParse(withoutFlights).success).toBe(
      false,
    );
    expect(payloadSchemaFor("PNR_V3", "BOOKING_UPDATED")?.safeParse(withoutFlights).success).toBe(
      true,
    );
  });

  it("normalises the case and variant spellings of what it is asked for", () => {
    expect(payloadSchemaFor("pnr_v3", "flight_canceled")).toBe(FlightCancelledPayload);
    expect(payloadSchemaFor(" PNR_V3 ", "BOOKING_CANCELLED_BY_VENDOR")).toBe(PnrV3Payload);
  });

  it.each(EventType.options)("gives an unknown operation of %s the base schema", (eventType) => {
    expect(payloadSchemaFor(eventType, "SOMETHING_NEW")).toBe(eventTypeSchemas[eventType]);
  });

  it("gives the corroborated-only operations their event type's base schema", () => {
    for (const [eventType, operations] of Object.entries(corroboratedOperations)) {
      for (const operation of operations) {
        expect(payloadSchemaFor(eventType, operation)).toBe(
          eventTypeSchemas[EventType.parse(eventType)],
        );
      }
    }
  });

  it("does not mistake inherited object keys for operations", () => {
    expect(payloadSchemaFor("SERVICE_CHARGE", "constructor")).toBe(ServiceChargePayload);
  });

  it.each([
    ["an unknown event type", "HOTEL_V9", "BOOKING_CREATED"],
    ["an empty event type", "", "BOOKING_CREATED"],
  ])("returns undefined for %s", (_label, eventType, operation) => {
    expect(payloadSchemaFor(eventType, operation)).toBeUndefined();
  });

  it.each(EventType.options)(
    "rejects an empty %s payload, since every event type requires its entity key",
    (eventType) => {
      expect(eventTypeSchemas[eventType].safeParse({}).success).toBe(false);
    },
  );

  it("agrees with the schema each routed operation validates against", () => {
    for (const spec of routedOperations) {
      expect(payloadSchemaFor(spec.eventType, spec.operation), spec.operation).toBe(spec.payload);
    }
  });
});
