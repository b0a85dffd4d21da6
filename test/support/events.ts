import { randomUUID } from "node:crypto";

type Flight = {
  origin: string;
  destination: string;
  flight: string;
  departure: string;
  cancelled?: boolean;
};

const defaultFlights: Flight[] = [
  { origin: "SFO", destination: "JFK", flight: "UA100", departure: "2026-12-01T10:00:00" },
  { origin: "JFK", destination: "SFO", flight: "UA101", departure: "2026-12-05T18:00:00" },
];

/** A PNR_V3 payload shaped like Spotnana's PnrData, with personal data a log must never carry. */
export function pnrPayload(options: { pnrId?: string; version?: number; flights?: Flight[] } = {}) {
  const flights = options.flights ?? defaultFlights;
  return {
    pnrId: options.pnrId ?? `PNR-${randomUUID()}`,
    tripId: "TRIP-1",
    version: options.version ?? 1,
    audience: { organizationId: { id: "ORG-42" } },
    bookingStatus: "CONFIRMED_STATUS",
    totalFare: { amount: 812.4, currencyCode: "USD" },
    pnrTravelers: [
      {
        userId: { id: "USER-1" },
        personalInfo: { name: { given: "Ada", family: "Lovelace" }, dob: "1815-12-10" },
      },
    ],
    airPnr: {
      legs: flights.map((f) => ({
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

export function envelope(operation: string, payload: object, eventType = "PNR_V3") {
  return { event_type: eventType, operation, timestamp: new Date().toISOString(), payload };
}

export const segmentId = (f: Flight) => `${f.flight}-${f.origin}-${f.destination}-${f.departure}`;
export { defaultFlights };

/** A FLIGHT_CANCELLED envelope for `pnrId` whose one flight is cancelled. */
export function cancelledFlightEnvelope(pnrId: string) {
  const flight = {
    origin: "SFO",
    destination: "JFK",
    flight: "UA100",
    departure: "2026-12-01T10:00:00",
  };
  return envelope(
    "FLIGHT_CANCELLED",
    pnrPayload({ pnrId, flights: [{ ...flight, cancelled: true }] }),
  );
}
