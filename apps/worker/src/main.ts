import { createLogger, exitOnConfigError, onShutdownSignal, serveOps } from "@skyhook/service-kit";
import { composeWorker } from "./compose.ts";
import { loadWorkerConfig } from "./config.ts";

const config = exitOnConfigError("skyhook worker", () => loadWorkerConfig(process.env));
const logger = createLogger({
  name: "skyhook-worker",
  level: config.logLevel,
  redactFields: config.redactFields,
});
const worker = exitOnConfigError("skyhook worker", () => composeWorker(config, logger));
const ops = await serveOps({
  port: config.ops.port,
  host: config.ops.host,
  logger,
  routes: worker.opsRoutes,
}).catch((err: unknown) => {
  logger.fatal({ err, port: config.ops.port }, "ops server could not listen (OPS_PORT)");
  process.exit(1);
});
// Past the grace period running handlers are interrupted and their jobs released; the extra
// margin lets that finish before the hard exit (after which jobs return as stalled). The ops
// server closes last, so probes and scrapes are answered while the worker drains.
onShutdownSignal(logger, config.shutdownTimeoutMs + 10_000, async () => {
  await worker.close();
  await ops.close();
});
