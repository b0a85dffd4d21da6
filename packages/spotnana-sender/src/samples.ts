import { randomUUID } from "node:crypto";
import { EventType, eventTypeCatalog, knownOperations } from "@skyhook/contracts";

/** A flight of a sample PNR: `flight` is the marketing carrier and number, e.g. `UA100`. */
export type Flight = {
  origin: string;
  destination: string;
  flight: string;
  departure: string;
  cancelled?: boolean;
};

const outbound: Flight = {
  origin: "SFO",
  destination: "JFK",
  flight: "UA100",
  departure: "2026-12-01T10:00:00",
};
const inbound: Flight = {
  origin: "JFK",
  destination: "SFO",
  flight: "UA101",
  departure: "2026-12-05T18:00:00",
};

/** A round trip: UA100 out, UA101 back. */
export const defaultFlights: readonly Flight[] = [outbound, inbound];

/** How Skyhook's booking projection names a flight that carries no `flightId` (as these do not). */
export const segmentId = (f: Flight): string =>
  `${f.flight}-${f.origin}-${f.destination}-${f.departure}`;

export type PnrOptions = {
  pnrId?: string;
  version?: number;
  tripId?: string;
  userId?: string;
  bookingStatus?: string;
  flights?: readonly Flight[];
};

/**
 * A PNR_V3 payload shaped like Spotnana's PnrData (§4 of the sender's contract), with the
 * personal data a log must never carry (a traveler's name and date of birth).
 */
export function pnrPayload(options: PnrOptions = {}) {
  return {
    pnrId: options.pnrId ?? `PNR-${randomUUID()}`,
    tripId: options.tripId ?? "TRIP-1",
    version: options.version ?? 1,
    audience: { organizationId: { id: "ORG-42" } },
    bookingStatus: options.bookingStatus ?? "CONFIRMED_STATUS",
    totalFare: { amount: 812.4, currencyCode: "USD" },
    pnrTravelers: [
      {
        userId: { id: options.userId ?? "USER-1" },
        personalInfo: { name: { given: "Ada", family: "Lovelace" }, dob: "1815-12-10" },
      },
    ],
    airPnr: {
      legs: (options.flights ?? defaultFlights).map((f) => ({
        flights: [
          {
            origin: f.origin,
            destination: f.destination,
            marketing: { airlineCode: f.flight.slice(0, 2), num: f.flight.slice(2) },
            departureDateTime: { iso8601: f.departure },
            flightStatus: f.cancelled === true ? "CANCELLED" : "CONFIRMED",
          },
        ],
      })),
    },
  };
}

/** One event type's sample, for an operation, an entity id and (where it has one) a version. */
type SampleOf = (operation: string, id: string, version: number) => Record<string, unknown>;

/**
 * The one sample payload of each event type, for the entity `id`, that the type's schema and
 * each known operation's schema accept. Keyed by the contracts' event types, so an event type
 * added to the catalogue without a sample fails type-checking. Where an operation says more,
 * the sample says it too: FLIGHT_CANCELLED cancels the outbound flight, BOOKING_CANCELED*
 * cancels the booking, TRAVELER_V2 DELETE deactivates the traveler, PNR_APPROVAL names the
 * approval type.
 */
const samples = {
  TRAVELER_V2: (operation, id) => ({
    id,
    externalId: `EXT-${id}`,
    isActive: operation !== "DELETE",
    persona: "EMPLOYEE",
  }),
  PNR_V3: (operation, id, version) =>
    pnrPayload({
      pnrId: id,
      version,
      tripId: `TRIP-${id}`,
      userId: `USER-${id}`,
      bookingStatus: operation.startsWith("BOOKING_CANCELED")
        ? "CANCELLED_STATUS"
        : "CONFIRMED_STATUS",
      flights: [{ ...outbound, cancelled: operation === "FLIGHT_CANCELLED" }, inbound],
    }),
  TRIP_DETAILS_V3: (_operation, id) => ({ tripId: id }),
  PNR_APPROVAL: (operation, id) => ({
    pnrId: id,
    approvalId: `APR-${id}`,
    appliedApprovalType: operation,
    approvers: [{ userId: { id: `MGR-${id}` } }],
  }),
  AGENT_TASK_DETAILS: (_operation, id) => ({
    id,
    pnrId: `PNR-${id}`,
    source: "SABRE",
    sourcePnrId: "ABC123",
  }),
  SERVICE_CHARGE: (_operation, id) => ({
    entity: { id, amount: { amount: 25, currencyCode: "USD" } },
  }),
} satisfies Record<EventType, SampleOf>;

/** The sample payload of `eventType` (see `samples`). */
export function samplePayload(
  eventType: EventType,
  operation: string,
  id: string,
  version = 1,
): Record<string, unknown> {
  return samples[eventType](operation, id, version);
}

/** True when the contracts order the type's events by version, so a sender varies it. */
export const isVersioned = (eventType: EventType): boolean =>
  eventTypeCatalog[eventType].entityOrder?.byVersion === true;

/**
 * Realistic bulk for a large event: a booking history of about `targetBytes` (at least one
 * entry), as a PNR with many changes has.
 */
export function withBookingHistory(
  payload: Record<string, unknown>,
  targetBytes: number,
): Record<string, unknown> {
  const entry = (n: number) => ({
    bookerInfo: { name: `Agent ${n % 50}`, email: `agent${n % 50}@tmc.example`, role: "AGENT" },
    bookingInfo: {
      updatedDateTime: { iso8601: `2026-11-${String(1 + (n % 28)).padStart(2, "0")}T10:00:00Z` },
      status: n % 3 === 0 ? "MODIFIED" : "BOOKED",
      bookingSourceClient: "WEB",
      remarks: `Change ${n}: seat, meal or ticket update recorded by the booking tool`,
    },
  });
  const size = JSON.stringify(entry(0)).length + 1;
  const count = Math.max(1, Math.ceil(targetBytes / size));
  return { ...payload, bookingHistory: Array.from({ length: count }, (_, n) => entry(n)) };
}

/** The webhook body: `event_type`, `operation`, `timestamp` (ISO-8601) and the payload. */
export function envelope<Payload extends object>(
  operation: string,
  payload: Payload,
  eventType = "PNR_V3",
  timestamp: Date = new Date(),
) {
  return { event_type: eventType, operation, timestamp: timestamp.toISOString(), payload };
}

/** A FLIGHT_CANCELLED envelope for `pnrId` whose one flight is cancelled. */
export function cancelledFlightEnvelope(pnrId: string) {
  return envelope(
    "FLIGHT_CANCELLED",
    pnrPayload({ pnrId, flights: [{ ...outbound, cancelled: true }] }),
  );
}

/**
 * TRIP_DETAILS_V3 lists no operation yet (its operations are undocumented), so it is sent with
 * one Spotnana may add: the receiver must keep it, not refuse it.
 */
const tripDetailsOperation = "TRIP_UPDATED";

/** Every (event type, operation) pair Skyhook knows, in a fixed order. */
export function routingPairs(): { eventType: EventType; operation: string }[] {
  return EventType.options.flatMap((eventType) => {
    const operations: readonly string[] = knownOperations[eventType];
    return (operations.length === 0 ? [tripDetailsOperation] : operations).map((operation) => ({
      eventType,
      operation,
    }));
  });
}
