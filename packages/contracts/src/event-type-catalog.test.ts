import { describe, expect, it } from "vitest";
import { entityOrderOf } from "./entity-order.ts";
import { defineEventType, eventTypeCatalog } from "./event-type-catalog.ts";
import { corroboratedOperations, EventType, knownOperations } from "./event-types.ts";
import { payloadKeys } from "./payload-keys.ts";
import { eventTypeSchemas, operationPayload } from "./payload-schemas.ts";
import { FlightCancelledPayload, PnrV3Payload } from "./pnr-v3.ts";

const rows = EventType.options.map(
  (eventType) => [eventType, eventTypeCatalog[eventType]] as const,
);

describe("the event type catalogue", () => {
  it("is where the event types and their operations come from, in its order", () => {
    expect(EventType.options).toEqual(Object.keys(eventTypeCatalog));
    for (const [eventType, row] of rows) {
      expect(knownOperations[eventType], eventType).toBe(row.operations);
      expect(eventTypeSchemas[eventType], eventType).toBe(row.payload);
      const corroborated: readonly string[] = row.corroborated;
      expect(corroboratedOperations[eventType] ?? [], eventType).toEqual(corroborated);
    }
  });

  it("names a stricter schema only for an operation its row lists", () => {
    for (const [eventType, row] of rows) {
      const operations: readonly string[] = row.operations;
      for (const operation of Object.keys(row.operationPayloads))
        expect(operations, `${eventType}/${operation}`).toContain(operation);
    }
  });

  it("gives a new operation's definition the row's stricter schema, else the type's", () => {
    expect(operationPayload("PNR_V3", "FLIGHT_CANCELLED")).toBe(FlightCancelledPayload);
    expect(operationPayload("PNR_V3", "BOOKING_TICKETED")).toBe(PnrV3Payload);
    expect(operationPayload("PNR_V3", "NOT_LISTED_YET")).toBe(PnrV3Payload);
  });

  it("reads each type's entity id from the first of its row's fields that holds a string", () => {
    for (const [eventType, row] of rows) {
      const [first, second] = row.entityIdFields;
      if (first === undefined) throw new Error(`${eventType} names no entity id field`);
      const payload = Object.fromEntries(row.entityIdFields.map((f) => [f, `${f}-value`]));
      expect(payloadKeys(eventType, payload).entityId, eventType).toBe(`${first}-value`);
      if (second !== undefined)
        expect(payloadKeys(eventType, { ...payload, [first]: 5 }).entityId, eventType).toBe(
          `${second}-value`,
        );
    }
  });

  it("orders by version exactly the types whose row says so, under the row's entity kind", () => {
    for (const [eventType, row] of rows) {
      const order = entityOrderOf({
        eventType,
        keys: { pnrId: "ID", tripId: "ID", entityId: "ID", version: 3 },
        envelope: { timestamp: 1_795_000_000 },
      });
      if (row.entityOrder === undefined) {
        expect(order, eventType).toBeUndefined();
        continue;
      }
      expect(order, eventType).toEqual({
        entity: `${row.entityOrder.kind}:ID`,
        version: row.entityOrder.byVersion ? 3 : undefined,
        timestampMs: 1_795_000_000_000,
      });
    }
  });

  it("refuses, when type-checked, a stricter schema or a corroboration that contradicts the row", () => {
    const strayStricterSchema = defineEventType({
      payload: PnrV3Payload,
      operations: ["LISTED"],
      // @ts-expect-error NOT_LISTED is not one of the row's operations
      operationPayloads: { NOT_LISTED: FlightCancelledPayload },
      corroborated: [],
      entityIdFields: ["pnrId"],
      entityOrder: undefined,
    });
    const corroboratedButListed = defineEventType({
      payload: PnrV3Payload,
      operations: ["LISTED"],
      operationPayloads: {},
      // @ts-expect-error LISTED is known, so it cannot be corroborated-only
      corroborated: ["LISTED"],
      entityIdFields: ["pnrId"],
      entityOrder: undefined,
    });
    // What is measured here is `pnpm run check`: each directive fails it if its error goes away.
    expect([strayStricterSchema.operations, corroboratedButListed.operations]).toEqual([
      ["LISTED"],
      ["LISTED"],
    ]);
  });
});
