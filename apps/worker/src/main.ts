import { createLogger, exitOnConfigError, onShutdownSignal } from "@skyhook/service-kit";
import { composeWorker } from "./compose.ts";
import { loadWorkerConfig } from "./config.ts";

const config = exitOnConfigError("skyhook worker", () => loadWorkerConfig(process.env));
const logger = createLogger({
  name: "skyhook-worker",
  level: config.logLevel,
  redactFields: config.redactFields,
});
const worker = exitOnConfigError("skyhook worker", () => composeWorker(config, logger));
// Past the grace period running handlers are interrupted and their jobs released; the extra
// margin lets that finish before the hard exit (after which jobs return as stalled).
onShutdownSignal(logger, config.shutdownTimeoutMs + 10_000, () => worker.close());
