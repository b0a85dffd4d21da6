import { EventType, knownOperations, payloadSchemaFor } from "@skyhook/contracts";

/** One synthetic Spotnana event, serialised once: retries and duplicates re-send these bytes. */
export type SimEvent = {
  seq: number;
  eventType: string;
  operation: string;
  /** The entity whose versions must not be confused (PNR id, traveler id, …). */
  entity: string;
  version?: number;
  large: boolean;
  body: string;
};

export type EventOptions = {
  runId: string;
  versions: number;
  largeShare: number;
  largeKb: number;
  reorder: number;
  random: () => number;
};

/**
 * TRIP_DETAILS_V3 lists no operation yet (its operations are undocumented), so it is sent with
 * one Spotnana may add: the receiver must keep it, not refuse it.
 */
const tripDetailsOperation = "TRIP_UPDATED";

/** Every (event type, operation) pair Skyhook knows, in a fixed order. */
export function routingPairs(): { eventType: string; operation: string }[] {
  return EventType.options.flatMap((eventType) => {
    const operations: readonly string[] = knownOperations[eventType];
    return (operations.length === 0 ? [tripDetailsOperation] : operations).map((operation) => ({
      eventType,
      operation,
    }));
  });
}

const flight = (n: number, cancelled: boolean) => ({
  flightId: `FL-${n}`,
  origin: "SFO",
  destination: "JFK",
  marketing: { airlineCode: "UA", num: String(100 + (n % 900)) },
  departureDateTime: { iso8601: "2026-12-24T10:00:00" },
  flightStatus: cancelled ? "CANCELLED" : "CONFIRMED",
});

function payloadOf(eventType: string, operation: string, id: string, version: number) {
  switch (eventType) {
    case "PNR_V3":
      return {
        pnrId: id,
        tripId: `TRIP-${id}`,
        version,
        bookingStatus: operation.startsWith("BOOKING_CANCELED")
          ? "CANCELLED_STATUS"
          : "CONFIRMED_STATUS",
        pnrTravelers: [{ userId: { id: `USER-${id}` } }],
        totalFare: { amount: 412.3, currencyCode: "USD" },
        airPnr: {
          legs: [
            { legId: `LEG-${id}`, flights: [flight(version, operation === "FLIGHT_CANCELLED")] },
          ],
        },
      };
    case "TRAVELER_V2":
      return { id, externalId: `EXT-${id}`, isActive: operation !== "DELETE", persona: "EMPLOYEE" };
    case "TRIP_DETAILS_V3":
      return { tripId: id };
    case "PNR_APPROVAL":
      return {
        pnrId: id,
        approvalId: `APR-${id}`,
        appliedApprovalType: operation,
        approvers: [{ userId: { id: `MGR-${id}` } }],
      };
    case "AGENT_TASK_DETAILS":
      return { id, pnrId: `PNR-${id}`, source: "SABRE", sourcePnrId: "ABC123" };
    default:
      return { entity: { id, amount: { amount: 25, currencyCode: "USD" } } };
  }
}

/** Realistic bulk for a large event: a long booking history, as a PNR with many changes has. */
function padded(payload: Record<string, unknown>, targetBytes: number): Record<string, unknown> {
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

/**
 * The events of a run, in the order Spotnana sends them. PNR_V3 events come as `versions`
 * versions of one PNR; with probability `reorder` a PNR's versions are sent out of order.
 * Every payload is checked against its schema, so a refusal is the receiver's, never ours.
 */
export function* generateEvents(options: EventOptions): Generator<SimEvent> {
  const pairs = routingPairs();
  let seq = 0;
  for (let round = 0; ; round++) {
    for (const [p, pair] of pairs.entries()) {
      const id = `SIM-${options.runId}-${round}-${p}`;
      const versions = pair.eventType === "PNR_V3" ? Math.max(1, options.versions) : 1;
      const order = Array.from({ length: versions }, (_, v) => v + 1);
      if (versions > 1 && options.random() < options.reorder) order.reverse();
      for (const version of order) {
        const large = options.random() < options.largeShare;
        const base = payloadOf(pair.eventType, pair.operation, id, version);
        const payload = large ? padded(base, options.largeKb * 1024) : base;
        const schema = payloadSchemaFor(pair.eventType, pair.operation);
        const checked = schema?.safeParse(payload);
        if (checked?.success !== true)
          throw new Error(
            `the generated ${pair.eventType}/${pair.operation} payload fails its schema`,
          );
        const envelope = {
          event_type: pair.eventType,
          operation: pair.operation,
          timestamp: new Date(Date.UTC(2026, 11, 1) + seq * 1_000 + version).toISOString(),
          payload,
        };
        yield {
          seq: seq++,
          ...pair,
          entity: id,
          ...(pair.eventType === "PNR_V3" ? { version } : {}),
          large,
          body: JSON.stringify(envelope),
        };
      }
    }
  }
}
