import { type AirLeg, type PnrV3Payload, payloadKeys, travelerUserIds } from "@skyhook/contracts";
import type { BookingRecord, Segment } from "./booking-record.ts";

/**
 * A flight's identity across PNR versions. Spotnana's `flightId` when present; otherwise the
 * marketing flight, route and departure, which do not change between snapshots of one flight.
 */
function segmentIdOf(
  flight: AirLeg["flights"][number],
  legIndex: number,
  flightIndex: number,
): string {
  if (flight.flightId !== undefined) return flight.flightId;
  const parts = [
    `${flight.marketing?.airlineCode ?? ""}${flight.marketing?.num ?? ""}`,
    flight.origin,
    flight.destination,
    departureOf(flight.departureDateTime),
  ].filter((part) => part !== undefined && part !== "");
  return parts.length > 0 ? parts.join("-") : `leg${legIndex}-flight${flightIndex}`;
}

function departureOf(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "object" && value !== null && "iso8601" in value) {
    const iso = (value as { iso8601: unknown }).iso8601;
    return typeof iso === "string" ? iso : undefined;
  }
  return undefined;
}

const isCancelledStatus = (status: string | undefined) =>
  status?.toUpperCase().includes("CANCEL") === true;

export type PnrSegments = { segments: Segment[]; cancelledSegmentIds: string[] };

export function segmentsOf(payload: PnrV3Payload): PnrSegments {
  const segments: Segment[] = [];
  const cancelledSegmentIds: string[] = [];
  (payload.airPnr?.legs ?? []).forEach((leg, legIndex) => {
    leg.flights.forEach((flight, flightIndex) => {
      const segmentId = segmentIdOf(flight, legIndex, flightIndex);
      const code = `${flight.marketing?.airlineCode ?? ""}${flight.marketing?.num ?? ""}`;
      segments.push({
        segmentId,
        flight: code === "" ? undefined : code,
        origin: flight.origin,
        destination: flight.destination,
        departure: departureOf(flight.departureDateTime),
      });
      if (isCancelledStatus(flight.flightStatus) || isCancelledStatus(leg.legStatus)) {
        cancelledSegmentIds.push(segmentId);
      }
    });
  });
  return { segments, cancelledSegmentIds };
}

/**
 * The projection of one PNR_V3 snapshot. Every PNR_V3 event carries the full PNR, so any
 * operation can (re)build the record; the store keeps the cancellations it already knows
 * when it applies the snapshot (`BookingStore.apply`).
 */
export function snapshotFromPnr(
  payload: PnrV3Payload,
  meta: { deliveryId: string; now: Date },
): BookingRecord {
  const { segments, cancelledSegmentIds } = segmentsOf(payload);
  return {
    pnrId: payload.pnrId,
    tripId: payload.tripId,
    organizationId: payloadKeys("PNR_V3", payload).organizationId,
    version: payload.version,
    status: payload.bookingStatus,
    travelerUserIds: travelerUserIds(payload.pnrTravelers),
    totalFare: payload.totalFare,
    segments,
    cancelledSegmentIds,
    lastDeliveryId: meta.deliveryId,
    updatedAt: meta.now.toISOString(),
  };
}
