import { type BookingStore, snapshotFromPnr } from "@skyhook/booking-store";
import { defineHandler, type HandlerContext } from "@skyhook/handler-kit";

export type BookingCreatedDeps = { bookings: BookingStore };

/**
 * Records the new booking in the projection. Upserting the full snapshot makes a redelivery
 * harmless: the same event writes the same record.
 */
export const bookingCreatedHandler = defineHandler({
  eventType: "PNR_V3",
  operation: "BOOKING_CREATED",
  async handle(event, ctx: HandlerContext<BookingCreatedDeps>) {
    const { outcome, record } = await ctx.deps.bookings.apply(
      snapshotFromPnr(event.payload, { deliveryId: ctx.idempotencyKey, now: ctx.now() }),
    );
    // A success is one of thousands a second and is counted anyway (the job's completion);
    // like the worker's own completion line it logs at debug. A snapshot the store refused
    // means an older event got past the ordering guard: worth a line at info.
    ctx.logger[outcome === "applied" ? "debug" : "info"](
      { pnrId: record.pnrId, version: record.version, outcome, segments: record.segments.length },
      "booking recorded",
    );
  },
});
