export { readAudit } from "./audit.ts";
export { KeptFilter } from "./kept-filter.ts";
export {
  describeHold,
  type HoldReport,
  holdReport,
  operationHold,
  operationHolds,
  operationQueueOf,
  pauseOperation,
  resumeOperation,
} from "./operation-holds.ts";
export {
  type AdoptContext,
  adoptBacklog,
  inspectKept,
  type KeptSummary,
  type OperatorContext,
  type Progress,
  purgeKept,
  type ReplayReport,
  replayKept,
  summarize,
} from "./operations.ts";
export {
  createOperatorContext,
  type OperatorSession,
} from "./operator-context.ts";
