export { addressKey } from "./address-key.ts";
export {
  type AuthFailureCounter,
  createAuthFailureCounter,
} from "./auth-failure-counter.ts";
export {
  createProducerConnection,
  createRedisClient,
  createWorkerConnection,
  describeTarget,
  pingRedis,
  type RedisClient,
  type RedisTarget,
} from "./connections.ts";
export {
  clearDrift,
  createDriftRecorder,
  type DriftPair,
  type DriftRecorder,
} from "./contract-drift.ts";
export {
  createDeadLetterWriter,
  type DeadLetterWriter,
} from "./dead-letter-writer.ts";
export { describeError } from "./describe-error.ts";
export {
  type BreakerState,
  createDownstreamBreaker,
  type DownstreamBreaker,
} from "./downstream-breaker.ts";
export { registerDownstreamGauges } from "./downstream-gauges.ts";
export { registerDriftGauge } from "./drift-gauge.ts";
export {
  type DriftReport,
  type DriftRow,
  readContractDrift,
} from "./drift-report.ts";
export {
  createEnqueuer,
  type Enqueuer,
  StorageUnavailable,
} from "./enqueuer.ts";
export {
  deadLetterJobId,
  digestJobId,
  filteredJobId,
  originalJobId,
  replayJobId,
  sha256Id,
  staleJobId,
  webhookJobId,
} from "./job-ids.ts";
export {
  cappedBackoffType,
  type EventJobSettings,
  jobNameOf,
  type RetryOverride,
  retryPolicyOf,
} from "./job-options.ts";
export {
  createJournalReader,
  createJournalWriter,
  defaultJournalSettings,
  type JournalEntry,
  type JournalFields,
  JournalOutcome,
  JournalSearch,
  type JournalSettings,
  journalFieldsOf,
  journalOutcomes,
  TimelineQuery,
} from "./journal/index.ts";
export {
  createKeptSweeper,
  type KeptBounds,
} from "./kept-sweeper.ts";
export {
  type KeyNames,
  keyNames,
} from "./keys.ts";
export {
  createLedger,
  type Ledger,
} from "./ledger.ts";
export {
  type LedgerReport,
  readLedger,
} from "./ledger-report.ts";
export {
  createMetrics,
  type Metrics,
  registerWorkerReadyGauge,
  scrapeMetrics,
} from "./metrics.ts";
export {
  type AdoptContext,
  adoptBacklog,
  createOperatorContext,
  describeHold,
  type HoldReport,
  holdReport,
  inspectKept,
  KeptFilter,
  type KeptSummary,
  type OperatorContext,
  type OperatorSession,
  operationHold,
  operationHolds,
  operationQueueOf,
  type Progress,
  pauseOperation,
  purgeKept,
  type ReplayReport,
  readAudit,
  replayKept,
  resumeOperation,
  summarize,
} from "./operator/index.ts";
export {
  createOutcomeSink,
  type DeliveryOutcomeName,
  deliveryOutcomes,
  type JobOutcome,
  type JobOutcomeName,
  jobOutcomes,
  logJobOutcomes,
  type Outcome,
  type OutcomeSink,
  type TokenOutcome,
  tokenOutcomes,
} from "./outcome.ts";
export { registerQueueGauges } from "./queue-gauges.ts";
export {
  createQueuePool,
  type QueuePool,
} from "./queue-pool.ts";
export {
  type MemoryReading,
  readRedisMemory,
} from "./redis-memory.ts";
export {
  createRejectedWriter,
  type RejectedWriter,
} from "./rejected-writer.ts";
export { createReplicationWait } from "./replication-wait.ts";
export {
  createRouteRegistry,
  createRouter,
  knownQueues,
  type Router,
} from "./route-registry.ts";
export {
  type CountOnce,
  countOnceLua,
} from "./scripts.ts";
export { registerShedMetrics } from "./shed-metrics.ts";
export {
  createStaleWriter,
  type StaleWriter,
} from "./stale-writer.ts";
export {
  contextFromCarrier,
  createTracing,
  disabledTracing,
  markSpanFailed,
  messagingSystem,
  spanAttributes,
  type Tracing,
  traceCarrierOf,
} from "./tracing.ts";
export { withTimeout } from "./with-timeout.ts";
