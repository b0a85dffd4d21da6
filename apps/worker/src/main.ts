import { ConfigError, createLogger, onShutdownSignal } from "@skyhook/service-kit";
import { composeWorker, type WorkerProcess } from "./compose.ts";
import { loadWorkerConfig } from "./config.ts";

function startOrExit(): {
  worker: WorkerProcess;
  shutdownTimeoutMs: number;
  logger: ReturnType<typeof createLogger>;
} {
  try {
    const config = loadWorkerConfig(process.env);
    const logger = createLogger({ name: "skyhook-worker", level: config.logLevel });
    return {
      worker: composeWorker(config, logger),
      shutdownTimeoutMs: config.shutdownTimeoutMs,
      logger,
    };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`skyhook worker: ${err.message}`);
    process.exit(1);
  }
}

const { worker, shutdownTimeoutMs, logger } = startOrExit();
// Past the grace period running handlers are interrupted and their jobs released; the extra
// margin lets that finish before the hard exit (after which jobs return as stalled).
onShutdownSignal(logger, shutdownTimeoutMs + 10_000, () => worker.close());
