export {
  type DeliveryRecord,
  describeAnswer,
  type RunOptions,
  runDeliveries,
} from "./delivery-run.ts";
export { type EventOptions, generateEvents, type SimEvent } from "./event-stream.ts";
export {
  createLimiter,
  type LoadModel,
  runClosedModel,
  runOpenModel,
  sleepUntil,
} from "./load.ts";
export { immediateRetries, retryDelaysMs, scheduleSpanMs } from "./retry-schedule.ts";
export {
  cancelledFlightEnvelope,
  defaultFlights,
  envelope,
  type Flight,
  isVersioned,
  type PnrOptions,
  pnrPayload,
  routingPairs,
  samplePayload,
  segmentId,
  withBookingHistory,
} from "./samples.ts";
export {
  type Answer,
  createSendingNode,
  deliveryTimeoutMs,
  deliveryUrlOf,
  type NodeAuth,
  type SendingNode,
  tokenUrlOf,
} from "./sending-node.ts";
export {
  newDeliveryId,
  newSigningSecret,
  type SignOptions,
  signature,
  signedHeaders,
  traceHeaders,
} from "./signing.ts";
export { formatMs, type Latency, latencyOf, percentile } from "./stats.ts";
export {
  type ClientCredentials,
  requestToken,
  type Token,
  TokenRefused,
  type TokenResult,
} from "./token.ts";
