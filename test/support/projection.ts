import { bookingKeyOf } from "@skyhook/booking-store";

/**
 * The key of a PNR's booking projection under a queue prefix: the worker gives its booking
 * store the key prefix `<queue prefix>:projection` (apps/worker/src/compose.ts). `pnrId` may
 * be a `KEYS` pattern.
 */
export const projectionKeyOf = (prefix: string, pnrId: string): string =>
  bookingKeyOf(`${prefix}:projection`, pnrId);
