import { Money } from "@skyhook/contracts";
import { z } from "zod";

export const Segment = z.object({
  segmentId: z.string(),
  flight: z.string().optional(),
  origin: z.string().optional(),
  destination: z.string().optional(),
  departure: z.string().optional(),
});
export type Segment = z.infer<typeof Segment>;

/**
 * The booking projection: what Skyhook knows of a PNR. Travelers are kept as Spotnana user
 * ids only, so the projection holds no names, documents or payment data.
 */
export const BookingRecord = z.object({
  pnrId: z.string(),
  tripId: z.string().optional(),
  organizationId: z.string().optional(),
  version: z.number().int().optional(),
  status: z.string().optional(),
  travelerUserIds: z.array(z.string()),
  totalFare: Money.optional(),
  segments: z.array(Segment),
  cancelledSegmentIds: z.array(z.string()),
  lastDeliveryId: z.string(),
  updatedAt: z.iso.datetime(),
});
export type BookingRecord = z.infer<typeof BookingRecord>;
