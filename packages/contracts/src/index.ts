export { AgentTaskDetailsPayload } from "./agent-task-details.ts";
export { EntityOrder, entityOrderOf, isOlder, newestOf, timestampMsOf } from "./entity-order.ts";
export { EntityRef } from "./entity-ref.ts";
export {
  Envelope,
  type EnvelopeIssue,
  type EnvelopeResult,
  parseEnvelope,
  RawEnvelope,
} from "./envelope.ts";
export {
  type EntityOrderRule,
  type EventTypeCatalog,
  eventTypeCatalog,
} from "./event-type-catalog.ts";
export {
  corroboratedOperations,
  EventType,
  knownOperations,
  normalizeEventType,
  normalizeOperation,
  operationAliases,
} from "./event-types.ts";
export {
  DeadLetterJob,
  DeadLetterReason,
  EventJob,
  FailedAttempt,
  FilteredEventJob,
  RejectedDeliveryJob,
  StaleEventJob,
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
  eventTypeSchemas,
  operationPayload,
  type PayloadSchemaOf,
  payloadSchemaFor,
  payloadSchemas,
} from "./payload-schemas.ts";
export { Approver, PnrApprovalPayload } from "./pnr-approval.ts";
export {
  AirFlight,
  AirLeg,
  FlightCancelledPayload,
  Money,
  PnrTraveler,
  PnrV3Payload,
  travelerUserIds,
} from "./pnr-v3.ts";
export {
  type QueueNames,
  queueLabel,
  queueNamesFor,
  queueNamesOf,
  rejectedQueueName,
  unroutedQueueNames,
} from "./queue-names.ts";
export {
  defaultRetention,
  defaultRetryPolicy,
  Retention,
  RetryPolicy,
  retryDelayMs,
} from "./retry-policy.ts";
export { ServiceChargePayload } from "./service-charge.ts";
export { SpotnanaDateTime } from "./spotnana-date-time.ts";
export { TravelerBusinessInfo, TravelerV2Payload } from "./traveler-v2.ts";
export { TripDetailsV3Payload } from "./trip-details-v3.ts";
export {
  type DriftLimits,
  defaultDriftLimits,
  type UndeclaredPaths,
  undeclaredPaths,
} from "./undeclared-paths.ts";
