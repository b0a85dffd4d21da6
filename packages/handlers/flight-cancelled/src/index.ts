export { type FlightCancelledDeps, flightCancelledHandler } from "./flight-cancelled-handler.ts";
export {
  type CancellationNotice,
  createHttpNotifier,
  createLogNotifier,
  DownstreamError,
  type Notifier,
} from "./notifier.ts";
