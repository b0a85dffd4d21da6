export { type AuditEntry, readAudit, recordAudit } from "./audit.ts";
export {
  type KeptEvent,
  KeptFilter,
  KeptLocation,
  keptEvents,
} from "./kept-events.ts";
export { type MoveContext, type MovePlan, moveEvent, planMove } from "./move-event.ts";
export {
  isHeld,
  type OperationHold,
  operationHold,
  operationHolds,
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
