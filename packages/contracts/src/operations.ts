import type { z } from "zod";
import { createCatalog, defineOperation } from "./operation-spec.ts";
import { FlightCancelledPayload, PnrV3Payload } from "./pnr-v3.ts";

export const bookingCreated = defineOperation({
  eventType: "PNR_V3",
  operation: "BOOKING_CREATED",
  payload: PnrV3Payload,
});

export const flightCancelled = defineOperation({
  eventType: "PNR_V3",
  operation: "FLIGHT_CANCELLED",
  payload: FlightCancelledPayload,
});

/** Operations that have a queue of their own. Anything else is kept in the catch-all queue. */
export const routedOperations = [bookingCreated, flightCancelled] as const;

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
