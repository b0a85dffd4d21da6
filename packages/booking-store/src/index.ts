export { BookingRecord, Segment } from "./booking-record.ts";
export {
  type ApplyOutcome,
  type BookingStore,
  bookingKeyOf,
  createBookingStore,
  effectKeyOf,
} from "./booking-store.ts";
export { type PnrSegments, segmentsOf, snapshotFromPnr } from "./snapshot-from-pnr.ts";
