import { type BookingStore, segmentsOf, snapshotFromPnr } from "@skyhook/booking-store";
import { defineHandler, type HandlerContext, PermanentError } from "@skyhook/handler-kit";
import type { Notifier } from "./notifier.ts";

export type FlightCancelledDeps = {
  bookings: BookingStore;
  notifier: Notifier;
  /** How long "this delivery was notified" is remembered: at least Spotnana's retry horizon. */
  effectTtlSec: number;
};

/**
 * Marks the cancelled segments on the booking and tells the affected travelers' system.
 * The projection update is idempotent (a set union) and comes first, so a re-run finds it
 * applied and goes on to the notice. The notice is sent at least once per delivery, always
 * under the delivery id as Idempotency-Key, and the receiver drops repeats.
 */
export const flightCancelledHandler = defineHandler({
  eventType: "PNR_V3",
  operation: "FLIGHT_CANCELLED",
  async handle(event, ctx: HandlerContext<FlightCancelledDeps>) {
    const { bookings, notifier, effectTtlSec } = ctx.deps;
    const { segments, cancelledSegmentIds } = segmentsOf(event.payload);
    if (cancelledSegmentIds.length === 0) {
      throw new PermanentError("FLIGHT_CANCELLED payload marks no flight or leg as cancelled");
    }

    const { outcome, record } = await bookings.apply(
      snapshotFromPnr(event.payload, { deliveryId: ctx.idempotencyKey, now: ctx.now() }),
    );

    const effectKey = `notify:${ctx.idempotencyKey}`;
    if (await bookings.hasEffect(effectKey)) {
      ctx.logger.info({ pnrId: record.pnrId, outcome }, "cancellation already notified");
      return;
    }
    const cancelled = new Set(cancelledSegmentIds);
    // The one window in which a notice goes out twice: from the receiver taking the POST to
    // Redis acknowledging the record below (the receiver's own work, its answer in transit,
    // one SET). A worker dying there, or the SET failing, re-runs the job and re-sends under
    // the same key. Recording before the POST would close the window by losing the notice on
    // such a crash instead, so nothing else is awaited between the answer and the record.
    await notifier.send(
      {
        type: "FLIGHT_CANCELLED",
        pnrId: record.pnrId,
        tripId: record.tripId,
        organizationId: record.organizationId,
        travelerUserIds: record.travelerUserIds,
        cancelledSegments: segments.filter((segment) => cancelled.has(segment.segmentId)),
      },
      { idempotencyKey: ctx.idempotencyKey, signal: ctx.signal, traceHeaders: ctx.trace.headers() },
    );
    await bookings.recordEffect(effectKey, effectTtlSec);
    ctx.logger.info(
      { pnrId: record.pnrId, outcome, cancelledSegments: cancelled.size },
      "flight cancellation recorded and notified",
    );
  },
});
