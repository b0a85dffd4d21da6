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
 * Values the contract document only hints at ([I], section 3), from third-party code rather
 * than Spotnana: Expensify's Spotnana-backed travel code (R6) handles a rail `REFUND`. Kept out
 * of `knownOperations` until Spotnana confirms them, because R6's names may be Expensify's own
 * mapping. They are accepted like any unknown operation: catch-all queue, base schema.
 */
export const corroboratedOperations = {
  PNR_V3: ["REFUND"],
} as const satisfies Partial<Record<EventType, readonly string[]>>;

/**
 * Variant spellings mapped onto the official name, so one real operation gets one queue and
 * one schema. Keys are never official names: official single-L spellings such as
 * BOOKING_CANCELED_BY_TRAVELER are left as Spotnana writes them.
 */
export const operationAliases: Readonly<Record<string, string>> = {
  /** Seen in Spotnana's own ticketing lifecycle page; the operation is FLIGHT_CANCELLED. */
  FLIGHT_CANCELED: "FLIGHT_CANCELLED",
  /**
   * Not seen yet, mapped defensively: these two are spelt with one L while FLIGHT_CANCELLED
   * has two, and Spotnana's pages already mix the spellings, so a double-L variant is the
   * likely slip. No official operation is spelt this way, so the mapping cannot hide one.
   */
  BOOKING_CANCELLED_BY_TRAVELER: "BOOKING_CANCELED_BY_TRAVELER",
  BOOKING_CANCELLED_BY_VENDOR: "BOOKING_CANCELED_BY_VENDOR",
};

export function normalizeOperation(operation: string): string {
  const upper = operation.trim().toUpperCase();
  return operationAliases[upper] ?? upper;
}

export function normalizeEventType(eventType: string): string {
  return eventType.trim().toUpperCase();
}
