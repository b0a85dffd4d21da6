import { bookingKeyOf } from "@skyhook/booking-store";
import { keyNames } from "@skyhook/queue-kit";

/**
 * The key of a PNR's booking projection under a queue prefix, where the worker's booking store
 * writes it (apps/worker/src/compose.ts). `pnrId` may be a `KEYS` pattern.
 */
export const projectionKeyOf = (prefix: string, pnrId: string): string =>
  bookingKeyOf(keyNames(prefix).projection(), pnrId);
