import type { z } from "zod";
import {
  type EventTypeCatalog,
  type EventTypeRowView,
  eventTypeCatalog,
} from "./event-type-catalog.ts";
import { EventType, normalizeEventType, normalizeOperation } from "./event-types.ts";

type SpecificOf<E extends EventType> = EventTypeCatalog[E]["operationPayloads"];

/** The schema an operation validates against: its row's stricter one, else its type's. */
export type PayloadSchemaOf<E extends EventType, O extends string> = O extends keyof SpecificOf<E>
  ? Exclude<SpecificOf<E>[O], undefined>
  : EventTypeCatalog[E]["payload"];

/**
 * The payload schema of `operation`, spelt as the contracts spell it: the schema a new
 * `defineOperation` takes (an operation the row does not list gets its event type's).
 */
export function operationPayload<E extends EventType, O extends string>(
  eventType: E,
  operation: O,
): PayloadSchemaOf<E, O> {
  const row: EventTypeRowView = eventTypeCatalog[eventType];
  const specific = Object.hasOwn(row.operationPayloads, operation)
    ? row.operationPayloads[operation]
    : undefined;
  // The conditional type is what these two lines compute; TypeScript cannot follow it.
  return (specific ?? row.payload) as PayloadSchemaOf<E, O>;
}

/**
 * The payload schema of each event type, whatever the operation: what an operation Spotnana
 * adds later is validated against, since the payload shape belongs to the event type.
 */
export const eventTypeSchemas = Object.fromEntries(
  EventType.options.map((eventType) => [eventType, eventTypeCatalog[eventType].payload]),
) as { readonly [E in EventType]: EventTypeCatalog[E]["payload"] };

const schemasByOperation = (eventType: EventType): Readonly<Record<string, z.ZodType>> => {
  const operations: readonly string[] = eventTypeCatalog[eventType].operations;
  return Object.fromEntries(operations.map((op) => [op, operationPayload(eventType, op)]));
};

/** One entry per known (event type, operation): the schema `operationPayload` gives it. */
export const payloadSchemas = Object.fromEntries(
  EventType.options.map((eventType) => [eventType, schemasByOperation(eventType)]),
) as {
  readonly [E in EventType]: {
    readonly [O in EventTypeCatalog[E]["operations"][number]]: PayloadSchemaOf<E, O>;
  };
};

/**
 * The payload schema for a routing pair, spelt as it arrives (case and known variant
 * spellings are normalised). A known event type with an operation we do not know yet gets its
 * event type's schema; an unknown event type gets `undefined`, since nothing is known about it.
 */
export function payloadSchemaFor(eventType: string, operation: string): z.ZodType | undefined {
  const type = EventType.safeParse(normalizeEventType(eventType));
  if (!type.success) return undefined;
  return operationPayload(type.data, normalizeOperation(operation));
}
