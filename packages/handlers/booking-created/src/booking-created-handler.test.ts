import { createBookingStore } from "@skyhook/booking-store";
import { bookingCreated, payloadKeys } from "@skyhook/contracts";
import { createTestContext, type HandlerEvent } from "@skyhook/handler-kit";
import { envelope, pnrPayload, segmentId } from "@skyhook/spotnana-sender";
import { afterAll, describe, expect, it } from "vitest";
import { connect, deletePrefix, uniquePrefix } from "../../../../test/support/redis.ts";
import { bookingCreatedHandler } from "./booking-created-handler.ts";

const prefix = uniquePrefix("booking-created");
const redis = connect();
const bookings = createBookingStore(redis, prefix);
const now = new Date("2026-02-01T08:00:00.000Z");

afterAll(async () => {
  await deletePrefix(redis, prefix);
  await redis.quit();
});

/** The event as the worker hands it over: payload already validated by the operation's schema. */
function eventOf(raw: ReturnType<typeof pnrPayload>): HandlerEvent<unknown> {
  return {
    eventType: "PNR_V3",
    operation: "BOOKING_CREATED",
    payload: bookingCreated.payload.parse(raw),
    envelope: envelope("BOOKING_CREATED", raw),
    keys: payloadKeys("PNR_V3", raw),
    receivedAt: now,
  };
}

const contextFor = (idempotencyKey: string) =>
  createTestContext({ bookings }, { idempotencyKey, now: () => now });

describe("bookingCreatedHandler", () => {
  it("records the new booking in the projection", async () => {
    const raw = pnrPayload({ version: 1 });
    await bookingCreatedHandler.handle(eventOf(raw), contextFor("delivery-1"));

    const stored = await bookings.get(raw.pnrId);
    expect(stored).toEqual({
      pnrId: raw.pnrId,
      tripId: "TRIP-1",
      organizationId: "ORG-42",
      version: 1,
      status: "CONFIRMED_STATUS",
      travelerUserIds: ["USER-1"],
      totalFare: { amount: 812.4, currencyCode: "USD" },
      segments: [
        expect.objectContaining({ segmentId: "UA100-SFO-JFK-2026-12-01T10:00:00" }),
        expect.objectContaining({ segmentId: "UA101-JFK-SFO-2026-12-05T18:00:00" }),
      ],
      cancelledSegmentIds: [],
      lastDeliveryId: "delivery-1",
      updatedAt: now.toISOString(),
    });
  });

  it("writes the same record when the same delivery is handled twice", async () => {
    const raw = pnrPayload({ version: 2 });
    await bookingCreatedHandler.handle(eventOf(raw), contextFor("delivery-2"));
    const first = await bookings.get(raw.pnrId);

    const ctx = contextFor("delivery-2");
    await bookingCreatedHandler.handle(eventOf(raw), ctx);

    expect(first).toBeDefined();
    expect(await bookings.get(raw.pnrId)).toEqual(first);
    expect(ctx.logs).toContainEqual(
      expect.objectContaining({
        level: "debug",
        obj: expect.objectContaining({ outcome: "applied" }),
      }),
    );
  });

  it("does not let a late, older snapshot overwrite a newer one", async () => {
    const newer = pnrPayload({ version: 3 });
    const older = {
      ...pnrPayload({ pnrId: newer.pnrId, version: 2 }),
      bookingStatus: "PENDING_STATUS",
    };
    await bookingCreatedHandler.handle(eventOf(newer), contextFor("delivery-new"));

    const ctx = contextFor("delivery-old");
    await bookingCreatedHandler.handle(eventOf(older), ctx);

    expect(await bookings.get(newer.pnrId)).toMatchObject({
      version: 3,
      status: "CONFIRMED_STATUS",
      lastDeliveryId: "delivery-new",
    });
    expect(ctx.logs).toContainEqual(
      expect.objectContaining({
        level: "info",
        obj: expect.objectContaining({ outcome: "stale" }),
      }),
    );
  });

  it("keeps names and dates of birth out of the projection and the logs", async () => {
    const raw = pnrPayload();
    const ctx = contextFor("delivery-pii");
    await bookingCreatedHandler.handle(eventOf(raw), ctx);

    const written = `${JSON.stringify(await bookings.get(raw.pnrId))}${JSON.stringify(ctx.logs)}`;
    for (const personal of ["Ada", "Lovelace", "1815-12-10"]) {
      expect(written).not.toContain(personal);
    }
  });

  it("records a cancellation already present in the creating snapshot", async () => {
    const flight = {
      origin: "LHR",
      destination: "CDG",
      flight: "BA300",
      departure: "2026-12-02T07:00:00",
      cancelled: true,
    };
    const raw = pnrPayload({ flights: [flight] });
    await bookingCreatedHandler.handle(eventOf(raw), contextFor("delivery-3"));
    expect((await bookings.get(raw.pnrId))?.cancelledSegmentIds).toEqual([segmentId(flight)]);
  });
});
