import type { z } from "zod";
import { AgentTaskDetailsPayload } from "./agent-task-details.ts";
import { PnrApprovalPayload } from "./pnr-approval.ts";
import { FlightCancelledPayload, PnrV3Payload } from "./pnr-v3.ts";
import { ServiceChargePayload } from "./service-charge.ts";
import { TravelerV2Payload } from "./traveler-v2.ts";
import { TripDetailsV3Payload } from "./trip-details-v3.ts";

/** How the events of one entity are placed in its history, for refusing late, older ones. */
export type EntityOrderRule = {
  /** The entity's kind: its events lock and order under `<kind>:<id>`. */
  readonly kind: string;
  /** The payload key naming the entity. */
  readonly idKey: "pnrId" | "tripId" | "entityId";
  /** Order by the payload's `version` where it has one, else by the envelope timestamp. */
  readonly byVersion: boolean;
};

/**
 * One event type as a row, checked as it is written: a stricter schema may only be named for
 * an operation the row lists, and a corroborated operation may not be one it lists.
 */
type EventTypeRow<
  Operations extends readonly string[],
  Payload extends z.ZodType,
  Specific,
  Corroborated extends readonly string[],
> = {
  /** The schema of every operation's payload, known or not, but those `operationPayloads` names. */
  readonly payload: Payload;
  /**
   * The operations Spotnana documents. Spotnana adds values over time, so these describe what
   * we recognise, never what we accept: unknown values are still accepted and kept.
   */
  readonly operations: Operations;
  /** Operations whose events must say more than the type's schema asks, with their schema. */
  readonly operationPayloads: Specific & {
    readonly [K in Exclude<keyof Specific, Operations[number]>]: never;
  };
  /**
   * Values only third-party code shows, not Spotnana. Kept out of `operations` until Spotnana
   * confirms them, and accepted like any unknown operation: catch-all queue, base schema.
   */
  readonly corroborated: Corroborated &
    readonly Exclude<Corroborated[number], Operations[number]>[];
  /**
   * The payload fields naming the event's entity, in order of preference: the first that holds
   * a string is the entity id (`payloadKeys`, on every delivery).
   */
  readonly entityIdFields: readonly string[];
  /** Undefined when the type names no entity whose events could arrive out of order. */
  readonly entityOrder: EntityOrderRule | undefined;
};

/** A row of `eventTypeCatalog`, checked as it is written (exported to test those checks). */
export function defineEventType<
  const Operations extends readonly string[],
  Payload extends z.ZodType,
  const Specific extends { readonly [O in Operations[number]]?: z.ZodType },
  const Corroborated extends readonly string[],
>(
  row: EventTypeRow<Operations, Payload, Specific, Corroborated>,
): EventTypeRow<Operations, Payload, Specific, Corroborated> {
  return row;
}

/**
 * What Skyhook knows of each Spotnana event type (`WebhookEventTypeEnum`, contract document
 * section 3), one row per type. Every per-event-type table in contracts is derived from this:
 * `EventType`, `knownOperations`, `corroboratedOperations`, `eventTypeSchemas`,
 * `payloadSchemas`, the entity id `payloadKeys` reads and the order `entityOrderOf` gives.
 */
export const eventTypeCatalog = {
  TRAVELER_V2: defineEventType({
    payload: TravelerV2Payload,
    operations: ["CREATE", "UPDATE", "DELETE", "PURGE"],
    operationPayloads: {},
    corroborated: [],
    entityIdFields: ["id"],
    entityOrder: { kind: "traveler", idKey: "entityId", byVersion: false },
  }),
  PNR_V3: defineEventType({
    payload: PnrV3Payload,
    operations: [
      "BOOKING_CREATED",
      "PAYMENT_DECLINED",
      "BOOKING_TICKETED",
      "SPLIT_PNR_CREATED",
      "FLIGHT_SCHEDULE_CHANGE_PENDING",
      "FLIGHT_SCHEDULE_CHANGE_CLOSED",
      "FLIGHT_CABIN_CHANGED",
      "FLIGHT_CANCELLED",
      "FLIGHT_CHANGED",
      "TICKET_VOIDED",
      "TICKET_REFUNDED",
      "INVOICE_GENERATED",
      "BOOKING_UPDATED",
      "BOOKING_CANCELED_BY_TRAVELER",
      "BOOKING_CANCELED_BY_VENDOR",
      "TRIP_UPDATED",
      "BOOKING_OTHER_UPDATE",
    ],
    /** Segment-level: its handler needs the flights, so an event without them is refused. */
    operationPayloads: { FLIGHT_CANCELLED: FlightCancelledPayload },
    /**
     * [I], section 3: Expensify's Spotnana-backed travel code (R6) handles a rail `REFUND`;
     * R6's names may be Expensify's own mapping.
     */
    corroborated: ["REFUND"],
    entityIdFields: ["pnrId"],
    /** The PNR `version` rises by one on every PNR change. */
    entityOrder: { kind: "pnr", idKey: "pnrId", byVersion: true },
  }),
  TRIP_DETAILS_V3: defineEventType({
    payload: TripDetailsV3Payload,
    /** Undocumented (section 3, [?]): every operation of it is one we do not know yet. */
    operations: [],
    operationPayloads: {},
    corroborated: [],
    entityIdFields: ["tripId"],
    entityOrder: { kind: "trip", idKey: "tripId", byVersion: false },
  }),
  PNR_APPROVAL: defineEventType({
    payload: PnrApprovalPayload,
    operations: ["SOFT_APPROVAL", "HARD_APPROVAL"],
    operationPayloads: {},
    corroborated: [],
    entityIdFields: ["approvalId", "pnrId"],
    entityOrder: { kind: "approval", idKey: "entityId", byVersion: false },
  }),
  AGENT_TASK_DETAILS: defineEventType({
    payload: AgentTaskDetailsPayload,
    operations: ["TASK_CREATE", "TASK_UPDATE"],
    operationPayloads: {},
    corroborated: [],
    entityIdFields: ["id"],
    entityOrder: { kind: "task", idKey: "entityId", byVersion: false },
  }),
  SERVICE_CHARGE: defineEventType({
    payload: ServiceChargePayload,
    operations: ["SERVICE_FEE"],
    operationPayloads: {},
    corroborated: [],
    /** Where a fee names itself is not documented: read as for a type we do not know. */
    entityIdFields: ["id", "pnrId"],
    /** The contract document names no entity a fee describes (section 4). */
    entityOrder: undefined,
  }),
};

export type EventTypeCatalog = typeof eventTypeCatalog;

/** A row as code that handles every event type alike reads it. */
export type EventTypeRowView = {
  readonly payload: z.ZodType;
  readonly operations: readonly string[];
  readonly operationPayloads: { readonly [operation: string]: z.ZodType | undefined };
  readonly corroborated: readonly string[];
  readonly entityIdFields: readonly string[];
  readonly entityOrder: EntityOrderRule | undefined;
};
