import { z } from "zod";

/**
 * TRIP_DETAILS_V3: Spotnana's trip-level alternative to PNR_V3 for duty of care. Neither its
 * payload schema nor its operations could be found (contract document, section 3, [?]), so
 * only `tripId` is required: the event is about a trip, and it is the key the ingress derives
 * for this event type. Everything else passes through untouched until Spotnana documents it.
 */
export const TripDetailsV3Payload = z.looseObject({
  tripId: z.string().min(1),
});
export type TripDetailsV3Payload = z.infer<typeof TripDetailsV3Payload>;
