export { DownstreamUnavailable, retryAfterMsOf } from "./downstream-unavailable.ts";
export {
  defineHandler,
  type Handler,
  type HandlerContext,
  type HandlerEvent,
  type HandlerLogger,
  type HandlerTrace,
} from "./handler.ts";
export { PermanentError } from "./permanent-error.ts";
export { createTestContext, type LogEntry } from "./test-context.ts";
