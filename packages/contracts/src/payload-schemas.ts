import type { z } from "zod";
import { AgentTaskDetailsPayload } from "./agent-task-details.ts";
import {
  EventType,
  type knownOperations,
  normalizeEventType,
  normalizeOperation,
} from "./event-types.ts";
import { PnrApprovalPayload } from "./pnr-approval.ts";
import { FlightCancelledPayload, PnrV3Payload } from "./pnr-v3.ts";
import { ServiceChargePayload } from "./service-charge.ts";
import { TravelerV2Payload } from "./traveler-v2.ts";
import { TripDetailsV3Payload } from "./trip-details-v3.ts";

/**
 * The payload schema of each event type, whatever the operation: what an operation Spotnana
 * adds later is validated against, since the payload shape belongs to the event type.
 */
export const eventTypeSchemas = {
  TRAVELER_V2: TravelerV2Payload,
  PNR_V3: PnrV3Payload,
  TRIP_DETAILS_V3: TripDetailsV3Payload,
  PNR_APPROVAL: PnrApprovalPayload,
  AGENT_TASK_DETAILS: AgentTaskDetailsPayload,
  SERVICE_CHARGE: ServiceChargePayload,
} as const satisfies Record<EventType, z.ZodType>;

type PayloadSchemaRegistry = {
  readonly [E in EventType]: Readonly<Record<(typeof knownOperations)[E][number], z.ZodType>>;
};

/**
 * One entry per pair in `knownOperations`, written out rather than derived, so that adding an
 * operation there without deciding its schema fails type-checking (and the registry test).
 */
export const payloadSchemas = {
  TRAVELER_V2: {
    CREATE: TravelerV2Payload,
    UPDATE: TravelerV2Payload,
    DELETE: TravelerV2Payload,
    PURGE: TravelerV2Payload,
  },
  PNR_V3: {
    BOOKING_CREATED: PnrV3Payload,
    PAYMENT_DECLINED: PnrV3Payload,
    BOOKING_TICKETED: PnrV3Payload,
    SPLIT_PNR_CREATED: PnrV3Payload,
    FLIGHT_SCHEDULE_CHANGE_PENDING: PnrV3Payload,
    FLIGHT_SCHEDULE_CHANGE_CLOSED: PnrV3Payload,
    FLIGHT_CABIN_CHANGED: PnrV3Payload,
    /** Segment-level: its handler needs the flights, so an event without them is refused. */
    FLIGHT_CANCELLED: FlightCancelledPayload,
    FLIGHT_CHANGED: PnrV3Payload,
    TICKET_VOIDED: PnrV3Payload,
    TICKET_REFUNDED: PnrV3Payload,
    INVOICE_GENERATED: PnrV3Payload,
    BOOKING_UPDATED: PnrV3Payload,
    BOOKING_CANCELED_BY_TRAVELER: PnrV3Payload,
    BOOKING_CANCELED_BY_VENDOR: PnrV3Payload,
    TRIP_UPDATED: PnrV3Payload,
    BOOKING_OTHER_UPDATE: PnrV3Payload,
  },
  TRIP_DETAILS_V3: {},
  PNR_APPROVAL: {
    SOFT_APPROVAL: PnrApprovalPayload,
    HARD_APPROVAL: PnrApprovalPayload,
  },
  AGENT_TASK_DETAILS: {
    TASK_CREATE: AgentTaskDetailsPayload,
    TASK_UPDATE: AgentTaskDetailsPayload,
  },
  SERVICE_CHARGE: {
    SERVICE_FEE: ServiceChargePayload,
  },
} as const satisfies PayloadSchemaRegistry;

/**
 * The payload schema for a routing pair, spelt as it arrives (case and known variant
 * spellings are normalised). A known event type with an operation we do not know yet gets its
 * event type's schema; an unknown event type gets `undefined`, since nothing is known about it.
 */
export function payloadSchemaFor(eventType: string, operation: string): z.ZodType | undefined {
  const type = EventType.safeParse(normalizeEventType(eventType));
  if (!type.success) return undefined;
  const byOperation: Readonly<Record<string, z.ZodType>> = payloadSchemas[type.data];
  const op = normalizeOperation(operation);
  const specific = Object.hasOwn(byOperation, op) ? byOperation[op] : undefined;
  return specific ?? eventTypeSchemas[type.data];
}
