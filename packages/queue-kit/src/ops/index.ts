export { type AuditEntry, readAudit, recordAudit } from "./audit.ts";
export {
  countedInLedger,
  type KeptEvent,
  KeptFilter,
  KeptLocation,
  keptEvents,
} from "./kept-events.ts";
export { type MoveContext, type MovePlan, moveEvent, planMove } from "./move-event.ts";
export {
  describeHold,
  type HoldCondition,
  type HoldReport,
  holdReport,
  isHeld,
  type OperationHold,
  type OperationQueue,
  operationHold,
  operationHolds,
  operationQueueOf,
  type PauseNote,
  pauseOperation,
  resumeOperation,
} from "./operation-holds.ts";
export {
  type AdoptContext,
  adoptBacklog,
  inspectKept,
  type KeptSummary,
  type OpsContext,
  type Progress,
  type PurgeReport,
  purgeKept,
  type ReplayReport,
  replayKept,
  summarize,
} from "./operations.ts";
export { createOpsContext, type OpsSession } from "./ops-context.ts";
export { type KeptBound, type TrimContext, trimKept } from "./trim-kept.ts";
