export {
  Envelope,
  type EnvelopeIssue,
  type EnvelopeResult,
  parseEnvelope,
  RawEnvelope,
} from "./envelope.ts";
export {
  EventType,
  knownOperations,
  normalizeEventType,
  normalizeOperation,
} from "./event-types.ts";
export {
  DeadLetterJob,
  DeadLetterReason,
  EventJob,
  FailedAttempt,
} from "./job-data.ts";
export {
  type Catalog,
  createCatalog,
  defineOperation,
  type OperationSpec,
  type Route,
} from "./operation-spec.ts";
export {
  bookingCreated,
  defaultCatalog,
  flightCancelled,
  type PayloadOf,
  type RoutedEventType,
  type RoutedOperation,
  type RoutedSpecOf,
  routedOperations,
} from "./operations.ts";
export { PayloadKeys, payloadKeys } from "./payload-keys.ts";
export {
  AirFlight,
  AirLeg,
  FlightCancelledPayload,
  Money,
  PnrTraveler,
  PnrV3Payload,
  travelerUserIds,
} from "./pnr-v3.ts";
export { type QueueNames, queueLabel, queueNamesFor, unroutedQueueNames } from "./queue-names.ts";
export { defaultRetention, defaultRetryPolicy, Retention, RetryPolicy } from "./retry-policy.ts";
