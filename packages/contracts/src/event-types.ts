import { z } from "zod";
import { type EventTypeCatalog, eventTypeCatalog } from "./event-type-catalog.ts";

/**
 * Spotnana's `WebhookEventTypeEnum` (contract document, section 3): the catalogue's rows. The
 * cast names what `Object.keys` cannot know, that a literal's keys are exactly its own.
 */
export const EventType = z.enum(Object.keys(eventTypeCatalog) as (keyof EventTypeCatalog)[]);
export type EventType = z.infer<typeof EventType>;

/** The operations known per event type: each row's `operations`. */
export const knownOperations = Object.fromEntries(
  EventType.options.map((eventType) => [eventType, eventTypeCatalog[eventType].operations]),
) as { readonly [E in EventType]: EventTypeCatalog[E]["operations"] };

/** The corroborated-only operations of the event types that have any: each row's `corroborated`. */
export const corroboratedOperations: Readonly<Partial<Record<EventType, readonly string[]>>> =
  Object.fromEntries(
    EventType.options
      .map((eventType) => [eventType, eventTypeCatalog[eventType].corroborated] as const)
      .filter(([, operations]) => operations.length > 0),
  );

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
