import type { z } from "zod";
import { createCatalog, defineOperation } from "./operation-spec.ts";
import { operationPayload } from "./payload-schemas.ts";

/*
 * `skyhook new-handler` adds to this file at the `// skyhook:` markers below (each alone on its
 * line): a new operation's definition above `operations`, its name above `routed-operations`.
 */

export const bookingCreated = defineOperation({
  eventType: "PNR_V3",
  operation: "BOOKING_CREATED",
  payload: operationPayload("PNR_V3", "BOOKING_CREATED"),
});

export const flightCancelled = defineOperation({
  eventType: "PNR_V3",
  operation: "FLIGHT_CANCELLED",
  payload: operationPayload("PNR_V3", "FLIGHT_CANCELLED"),
});

// skyhook:operations

/** Operations that have a queue of their own. Anything else is kept in the catch-all queue. */
export const routedOperations = [
  bookingCreated,
  flightCancelled,
  // skyhook:routed-operations
] as const;

export const defaultCatalog = createCatalog(routedOperations);

type RoutedSpec = (typeof routedOperations)[number];
export type RoutedEventType = RoutedSpec["eventType"];
export type RoutedOperation<E extends RoutedEventType> = Extract<
  RoutedSpec,
  { eventType: E }
>["operation"];
export type RoutedSpecOf<E extends string, O extends string> = Extract<
  RoutedSpec,
  { eventType: E; operation: O }
>;
export type PayloadOf<E extends string, O extends string> = z.output<RoutedSpecOf<E, O>["payload"]>;
