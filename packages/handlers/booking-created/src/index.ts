export { type BookingCreatedDeps, bookingCreatedHandler } from "./booking-created-handler.ts";
