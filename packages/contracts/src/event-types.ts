import { z } from "zod";

/** Spotnana's `WebhookEventTypeEnum` as listed in the contract document (section 3). */
export const EventType = z.enum([
  "TRAVELER_V2",
  "PNR_V3",
  "TRIP_DETAILS_V3",
  "PNR_APPROVAL",
  "AGENT_TASK_DETAILS",
  "SERVICE_CHARGE",
]);
export type EventType = z.infer<typeof EventType>;

/**
 * Operations known per event type. Spotnana adds values over time, so these lists describe
 * what we recognise, never what we accept: unknown values are still accepted and kept.
 */
export const knownOperations = {
  TRAVELER_V2: ["CREATE", "UPDATE", "DELETE", "PURGE"],
  PNR_V3: [
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
  TRIP_DETAILS_V3: [],
  PNR_APPROVAL: ["SOFT_APPROVAL", "HARD_APPROVAL"],
  AGENT_TASK_DETAILS: ["TASK_CREATE", "TASK_UPDATE"],
  SERVICE_CHARGE: ["SERVICE_FEE"],
} as const satisfies Record<EventType, readonly string[]>;

/**
 * Spellings seen in Spotnana's own pages that name the same operation (the ticketing page
 * writes FLIGHT_CANCELED); normalising them keeps one queue per real operation.
 */
const operationAliases: Readonly<Record<string, string>> = {
  FLIGHT_CANCELED: "FLIGHT_CANCELLED",
};

export function normalizeOperation(operation: string): string {
  const upper = operation.trim().toUpperCase();
  return operationAliases[upper] ?? upper;
}

export function normalizeEventType(eventType: string): string {
  return eventType.trim().toUpperCase();
}
