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
export { createDeadLetterWriter, type DeadLetterWriter } from "./dead-letter-writer.ts";
export { describeError } from "./describe-error.ts";
export {
  createEnqueuer,
  type EnqueueResult,
  type Enqueuer,
  StorageUnavailable,
} from "./enqueuer.ts";
export {
  deadLetterJobId,
  digestJobId,
  originalJobId,
  replayJobId,
  sha256Id,
  staleJobId,
  webhookJobId,
} from "./job-ids.ts";
export {
  type EventJobSettings,
  eventJobOptions,
  jobNameOf,
  type RetryOverride,
  retryPolicyOf,
} from "./job-options.ts";
export { type KeyNames, keyNames } from "./keys.ts";
export {
  createLedger,
  type Ledger,
  type LedgerCounter,
  type LedgerKey,
  type LedgerReport,
  type LedgerRow,
  ledgerCounters,
  type QueueBalance,
  readLedger,
} from "./ledger.ts";
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
  createOpsContext,
  inspectKept,
  type KeptEvent,
  KeptFilter,
  KeptLocation,
  type KeptSummary,
  keptEvents,
  type MoveContext,
  type MovePlan,
  moveEvent,
  type OpsContext,
  type Progress,
  type PurgeReport,
  planMove,
  purgeKept,
  type ReplayReport,
  readAudit,
  recordAudit,
  replayKept,
  summarize,
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
  tokenOutcomes,
} from "./outcome.ts";
export { registerQueueGauges } from "./queue-gauges.ts";
export { createQueuePool, type QueuePool } from "./queue-pool.ts";
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
