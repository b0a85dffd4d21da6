import { createBookingStore, effectKeyOf } from "@skyhook/booking-store";
import { flightCancelled, payloadKeys } from "@skyhook/contracts";
import { createTestContext, type HandlerEvent, PermanentError } from "@skyhook/handler-kit";
import { defaultFlights, envelope, pnrPayload, segmentId } from "@skyhook/spotnana-sender";
import { afterAll, describe, expect, it } from "vitest";
import { connect, deletePrefix, uniquePrefix } from "../../../../test/support/redis.ts";
import { flightCancelledHandler } from "./flight-cancelled-handler.ts";
import {
  type CancellationNotice,
  DownstreamError,
  type Notifier,
  type SendOptions,
} from "./notifier.ts";

const prefix = uniquePrefix("flight-cancelled");
const redis = connect();
const bookings = createBookingStore(redis, prefix);
const now = new Date("2026-02-01T08:00:00.000Z");
const effectTtlSec = 3_600;

afterAll(async () => {
  await deletePrefix(redis, prefix);
  await redis.quit();
});

const [outbound, inbound] = defaultFlights;
if (outbound === undefined || inbound === undefined) throw new Error("two default flights");

type Sent = { notice: CancellationNotice; options: SendOptions };

/** A notifier that records what it was asked to send, and can fail its first `failures` calls. */
function recordingNotifier(failures = 0): Notifier & { sent: Sent[]; calls: () => number } {
  const sent: Sent[] = [];
  let calls = 0;
  return {
    sent,
    calls: () => calls,
    async send(notice, options) {
      calls++;
      if (calls <= failures) throw new DownstreamError("notification endpoint answered 503");
      sent.push({ notice, options });
    },
  };
}

function eventOf(raw: ReturnType<typeof pnrPayload>): HandlerEvent<unknown> {
  return {
    eventType: "PNR_V3",
    operation: "FLIGHT_CANCELLED",
    payload: flightCancelled.payload.parse(raw),
    envelope: envelope("FLIGHT_CANCELLED", raw),
    keys: payloadKeys("PNR_V3", raw),
    receivedAt: now,
  };
}

const contextFor = (idempotencyKey: string, notifier: Notifier) =>
  createTestContext({ bookings, notifier, effectTtlSec }, { idempotencyKey, now: () => now });

const uniqueKey = (label: string) => uniquePrefix(label);

describe("flightCancelledHandler", () => {
  it("marks the cancelled segment on the booking and keeps the other one active", async () => {
    const raw = pnrPayload({ version: 2, flights: [outbound, { ...inbound, cancelled: true }] });
    await flightCancelledHandler.handle(
      eventOf(raw),
      contextFor(uniqueKey("d"), recordingNotifier()),
    );

    const stored = await bookings.get(raw.pnrId);
    expect(stored?.cancelledSegmentIds).toEqual([segmentId(inbound)]);
    expect(stored?.segments.map((s) => s.segmentId)).toEqual([
      segmentId(outbound),
      segmentId(inbound),
    ]);
    expect(stored?.version).toBe(2);
  });

  it("adds the cancellation to a booking recorded earlier without losing its other data", async () => {
    const created = pnrPayload({ version: 1 });
    await bookings.apply({
      pnrId: created.pnrId,
      version: 1,
      travelerUserIds: ["USER-1"],
      segments: [],
      cancelledSegmentIds: ["EARLIER-SEGMENT"],
      lastDeliveryId: "created",
      updatedAt: now.toISOString(),
    });
    const raw = pnrPayload({
      pnrId: created.pnrId,
      version: 2,
      flights: [{ ...outbound, cancelled: true }, inbound],
    });

    await flightCancelledHandler.handle(
      eventOf(raw),
      contextFor(uniqueKey("d"), recordingNotifier()),
    );

    expect((await bookings.get(raw.pnrId))?.cancelledSegmentIds.sort()).toEqual(
      ["EARLIER-SEGMENT", segmentId(outbound)].sort(),
    );
  });

  it("notifies ids and the cancelled segments only, under the delivery's idempotency key", async () => {
    const raw = pnrPayload({ flights: [outbound, { ...inbound, cancelled: true }] });
    const notifier = recordingNotifier();
    const key = uniqueKey("d");

    await flightCancelledHandler.handle(eventOf(raw), contextFor(key, notifier));

    expect(notifier.sent).toHaveLength(1);
    expect(notifier.sent[0]?.notice).toEqual({
      type: "FLIGHT_CANCELLED",
      pnrId: raw.pnrId,
      tripId: "TRIP-1",
      organizationId: "ORG-42",
      travelerUserIds: ["USER-1"],
      cancelledSegments: [
        {
          segmentId: segmentId(inbound),
          flight: "UA101",
          origin: "JFK",
          destination: "SFO",
          departure: inbound.departure,
        },
      ],
    });
    expect(notifier.sent[0]?.options.idempotencyKey).toBe(key);
    const notice = JSON.stringify(notifier.sent[0]?.notice);
    for (const personal of ["Ada", "Lovelace", "1815-12-10"]) {
      expect(notice).not.toContain(personal);
    }
  });

  it("passes the context's trace headers on to the notifier", async () => {
    const raw = pnrPayload({ flights: [{ ...outbound, cancelled: true }, inbound] });
    const notifier = recordingNotifier();
    const headers = {
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      "X-B3-TraceId": "463ac35c9f6413ad",
    };
    const ctx = createTestContext(
      { bookings, notifier, effectTtlSec },
      { idempotencyKey: uniqueKey("d"), now: () => now, trace: { headers: () => headers } },
    );

    await flightCancelledHandler.handle(eventOf(raw), ctx);

    expect(notifier.sent[0]?.options.traceHeaders).toEqual(headers);
  });

  it("sends exactly one notice when the same delivery is handled twice", async () => {
    const raw = pnrPayload({ flights: [{ ...outbound, cancelled: true }, inbound] });
    const notifier = recordingNotifier();
    const key = uniqueKey("d");

    await flightCancelledHandler.handle(eventOf(raw), contextFor(key, notifier));
    const second = contextFor(key, notifier);
    await flightCancelledHandler.handle(eventOf(raw), second);

    expect(notifier.calls()).toBe(1);
    expect(second.logs.map((l) => l.msg)).toContain("cancellation already notified");
    expect((await bookings.get(raw.pnrId))?.cancelledSegmentIds).toEqual([segmentId(outbound)]);
  });

  it("notifies again for a different delivery about the same PNR", async () => {
    const raw = pnrPayload({ flights: [{ ...outbound, cancelled: true }] });
    const notifier = recordingNotifier();

    await flightCancelledHandler.handle(eventOf(raw), contextFor(uniqueKey("d"), notifier));
    await flightCancelledHandler.handle(eventOf(raw), contextFor(uniqueKey("d"), notifier));

    expect(notifier.sent).toHaveLength(2);
  });

  it("remembers a sent notice for effectTtlSec", async () => {
    const raw = pnrPayload({ flights: [{ ...outbound, cancelled: true }] });
    const key = uniqueKey("d");
    await flightCancelledHandler.handle(eventOf(raw), contextFor(key, recordingNotifier()));

    expect(await bookings.hasEffect(`notify:${key}`)).toBe(true);
    const ttlSec = await redis.ttl(effectKeyOf(prefix, `notify:${key}`));
    expect(ttlSec).toBeGreaterThan(effectTtlSec - 60);
    expect(ttlSec).toBeLessThanOrEqual(effectTtlSec);
  });

  it("sends the notice on the retry when the first send failed", async () => {
    const raw = pnrPayload({ flights: [{ ...outbound, cancelled: true }] });
    const notifier = recordingNotifier(1);
    const key = uniqueKey("d");

    await expect(
      flightCancelledHandler.handle(eventOf(raw), contextFor(key, notifier)),
    ).rejects.toBeInstanceOf(DownstreamError);
    expect(await bookings.hasEffect(`notify:${key}`)).toBe(false);

    await flightCancelledHandler.handle(eventOf(raw), contextFor(key, notifier));

    expect(notifier.calls()).toBe(2);
    expect(notifier.sent).toHaveLength(1);
    expect(await bookings.hasEffect(`notify:${key}`)).toBe(true);
  });

  it("throws PermanentError, sends nothing and writes nothing when no flight is cancelled", async () => {
    const raw = pnrPayload({ flights: [outbound, inbound] });
    const notifier = recordingNotifier();

    await expect(
      flightCancelledHandler.handle(eventOf(raw), contextFor(uniqueKey("d"), notifier)),
    ).rejects.toBeInstanceOf(PermanentError);

    expect(notifier.calls()).toBe(0);
    expect(await bookings.get(raw.pnrId)).toBeUndefined();
  });
});
