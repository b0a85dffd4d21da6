export { assign } from "./assign.ts";
export { composeWorker, type WorkerProcess } from "./compose.ts";
export {
  loadWorkerConfig,
  shutdownExitMarginMs,
  type WorkerConfig,
  WorkerEnv,
} from "./config.ts";
export { createEntityGuard, type EntityGuard } from "./entity-guard.ts";
export { installedHandlers, type WorkerDeps } from "./handlers.ts";
export { createProcessor } from "./processor.ts";
export { type Assignment, type Runtime, startRuntime } from "./runtime.ts";
