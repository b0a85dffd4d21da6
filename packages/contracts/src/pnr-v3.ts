import { z } from "zod";

/**
 * PNR_V3 payload fields our handlers read. The webhook schema itself could not be read; these
 * follow Spotnana's Trip API `PnrData` (see the contract document, section 4). Every object is
 * loose so fields we do not model survive untouched.
 */
export const Money = z.looseObject({
  amount: z.number(),
  currencyCode: z.string().min(3).max(3),
});
export type Money = z.infer<typeof Money>;

const UserId = z.union([z.string().min(1), z.looseObject({ id: z.string().min(1) })]);

export const PnrTraveler = z.looseObject({
  userId: UserId.optional(),
  travelerId: z.string().optional(),
});
export type PnrTraveler = z.infer<typeof PnrTraveler>;

export const AirFlight = z.looseObject({
  flightId: z.string().optional(),
  origin: z.string().optional(),
  destination: z.string().optional(),
  departureDateTime: z.unknown().optional(),
  marketing: z
    .looseObject({ airlineCode: z.string().optional(), num: z.string().optional() })
    .optional(),
  flightStatus: z.string().optional(),
});
export type AirFlight = z.infer<typeof AirFlight>;

export const AirLeg = z.looseObject({
  legId: z.string().optional(),
  legStatus: z.string().optional(),
  flights: z.array(AirFlight).default([]),
});
export type AirLeg = z.infer<typeof AirLeg>;

export const PnrV3Payload = z.looseObject({
  pnrId: z.string().min(1),
  tripId: z.string().min(1).optional(),
  version: z.number().int().nonnegative().optional(),
  audience: z.looseObject({ organizationId: z.unknown().optional() }).optional(),
  bookingStatus: z.string().optional(),
  pnrTravelers: z.array(PnrTraveler).default([]),
  totalFare: Money.optional(),
  airPnr: z.looseObject({ legs: z.array(AirLeg).default([]) }).optional(),
});
export type PnrV3Payload = z.infer<typeof PnrV3Payload>;

/** FLIGHT_CANCELLED is segment-level: the payload must say which flights it is about. */
export const FlightCancelledPayload = PnrV3Payload.extend({
  airPnr: z.looseObject({ legs: z.array(AirLeg).min(1) }),
});
export type FlightCancelledPayload = z.infer<typeof FlightCancelledPayload>;

export function travelerUserIds(travelers: readonly PnrTraveler[]): string[] {
  return travelers.flatMap((t) => {
    if (typeof t.userId === "string") return [t.userId];
    if (t.userId !== undefined) return [t.userId.id];
    return t.travelerId === undefined ? [] : [t.travelerId];
  });
}
