export { addressKey } from "./address-key.ts";
export {
  type AuthFailureCount,
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
  type RedisNode,
  type RedisTarget,
} from "./connections.ts";
export {
  clearDrift,
  createDriftRecorder,
  type DriftPair,
  type DriftRecorder,
  type DriftSettings,
  defaultDriftSettings,
  driftPairName,
} from "./contract-drift.ts";
export { createDeadLetterWriter, type DeadLetterWriter } from "./dead-letter-writer.ts";
export { describeError } from "./describe-error.ts";
export {
  type BreakerFailure,
  type BreakerSettings,
  type BreakerState,
  type BreakerVerdict,
  createDownstreamBreaker,
  type DownstreamBreaker,
  readBreakerState,
} from "./downstream-breaker.ts";
export { downstreamStates, registerDownstreamGauges } from "./downstream-gauges.ts";
export { registerDriftGauge } from "./drift-gauge.ts";
export {
  type DriftPairSummary,
  type DriftReport,
  type DriftRow,
  driftPathCounts,
  readContractDrift,
} from "./drift-report.ts";
export {
  createEnqueuer,
  type EnqueueResult,
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
  eventJobOptions,
  jobNameOf,
  type RetryOverride,
  retryPolicyOf,
} from "./job-options.ts";
export {
  createJournalReader,
  createJournalWriter,
  decodeCursor,
  defaultJournalSettings,
  encodeCursor,
  JournalCursor,
  type JournalEntry,
  type JournalFields,
  type JournalKept,
  JournalOutcome,
  type JournalPage,
  type JournalPosition,
  type JournalReader,
  JournalSearch,
  type JournalSettings,
  type JournalWriter,
  journalFieldsOf,
  journalOutcomes,
  searchBudget,
  TimelineQuery,
  trimJournals,
} from "./journal/index.ts";
export { createKeptSweeper, type KeptBounds, type KeptSweeper } from "./kept-sweeper.ts";
export { type KeyNames, keyNames } from "./keys.ts";
export {
  createLedger,
  type Ledger,
  type LedgerCounter,
  type LedgerKey,
  ledgerCounters,
} from "./ledger.ts";
export {
  type LedgerReport,
  type LedgerRow,
  type QueueBalance,
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
  type AuditEntry,
  adoptBacklog,
  countedInLedger,
  createOpsContext,
  describeHold,
  type HoldCondition,
  type HoldReport,
  holdReport,
  inspectKept,
  isHeld,
  type KeptBound,
  type KeptEvent,
  KeptFilter,
  KeptLocation,
  type KeptSummary,
  keptEvents,
  type MoveContext,
  type MovePlan,
  moveEvent,
  type OperationHold,
  type OperationQueue,
  type OpsContext,
  type OpsSession,
  operationHold,
  operationHolds,
  operationQueueOf,
  type PauseNote,
  type Progress,
  type PurgeReport,
  pauseOperation,
  planMove,
  purgeKept,
  type ReplayReport,
  readAudit,
  recordAudit,
  replayKept,
  resumeOperation,
  summarize,
  type TrimContext,
  trimKept,
} from "./ops/index.ts";
export {
  createOutcomeSink,
  type DeliveryOutcome,
  type DeliveryOutcomeName,
  deliveryOutcomes,
  type JobOutcome,
  type JobOutcomeName,
  jobOutcomes,
  logJobOutcomes,
  type MoveOutcome,
  type Outcome,
  type OutcomeObserver,
  type OutcomeSink,
  type TokenOutcome,
  type TrimOutcome,
  type TrimReason,
  tokenOutcomes,
  trimReasons,
} from "./outcome.ts";
export { registerQueueGauges } from "./queue-gauges.ts";
export { createQueuePool, type QueuePool } from "./queue-pool.ts";
export { type MemoryReading, parseMemoryInfo, readRedisMemory } from "./redis-memory.ts";
export { createRejectedWriter, type RejectedWriter } from "./rejected-writer.ts";
export {
  createReplicationWait,
  NotReplicated,
  type ReplicationWait,
} from "./replication-wait.ts";
export {
  AnnouncedRoute,
  createRouteRegistry,
  createRouter,
  knownQueues,
  type RouteRegistry,
  type Router,
} from "./route-registry.ts";
export { type CountOnce, countOnceLua } from "./scripts.ts";
export { registerShedMetrics } from "./shed-metrics.ts";
export { createStaleWriter, type StaleWriter } from "./stale-writer.ts";
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
