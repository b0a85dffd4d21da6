import { type BookingCreatedDeps, bookingCreatedHandler } from "@skyhook/handler-booking-created";
import {
  type FlightCancelledDeps,
  flightCancelledHandler,
} from "@skyhook/handler-flight-cancelled";
import type { Handler } from "@skyhook/handler-kit";
// skyhook:handler-imports

/** Everything the installed handlers need, built once per process in compose.ts. */
export type WorkerDeps = BookingCreatedDeps & FlightCancelledDeps;

/**
 * THE list of installed operation handlers. Adding one: create its package, add its spec to
 * @skyhook/contracts, import it here and list it (see docs/adding-a-handler.md).
 * `skyhook new-handler` does all of it, inserting at the `// skyhook:` markers (keep each alone
 * on its line; the comments around them may say anything).
 */
export const installedHandlers: readonly Handler<WorkerDeps>[] = [
  bookingCreatedHandler,
  flightCancelledHandler,
  // skyhook:installed-handlers
];
