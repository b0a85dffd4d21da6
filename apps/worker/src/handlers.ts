import { type BookingCreatedDeps, bookingCreatedHandler } from "@skyhook/handler-booking-created";
import {
  type FlightCancelledDeps,
  flightCancelledHandler,
} from "@skyhook/handler-flight-cancelled";
import type { Handler } from "@skyhook/handler-kit";

/** Everything the installed handlers need, built once per process in compose.ts. */
export type WorkerDeps = BookingCreatedDeps & FlightCancelledDeps;

/**
 * THE list of installed operation handlers. Adding one: create its package, add its spec to
 * @skyhook/contracts, import it here and list it (see docs/adding-a-handler.md).
 */
export const installedHandlers: readonly Handler<WorkerDeps>[] = [
  bookingCreatedHandler,
  flightCancelledHandler,
];
