import {
  createLogger,
  exitOnConfigError,
  exitOnListenError,
  type OpsRoute,
  onShutdownSignal,
  opsJson,
  serveOps,
} from "@skyhook/service-kit";
import { composeWorker, type WorkerProcess } from "./compose.ts";
import { loadWorkerConfig, shutdownExitMarginMs } from "./config.ts";

const config = exitOnConfigError("skyhook worker", () => loadWorkerConfig(process.env));
const logger = createLogger({
  name: "skyhook-worker",
  level: config.logLevel,
  redactFields: config.redactFields,
});
// The ops port is taken before the worker consumes anything: a port already in use then stops
// the process before it has fetched a job, instead of just after.
let worker: WorkerProcess | undefined;
const starting = () => opsJson(503, { status: "starting" });
const route =
  (path: string): OpsRoute =>
  () =>
    worker?.opsRoutes[path]?.() ?? starting();
const ops = await serveOps({
  port: config.ops.port,
  host: config.ops.host,
  logger,
  routes: {
    "/healthz": route("/healthz"),
    "/readyz": route("/readyz"),
    "/metrics": route("/metrics"),
  },
}).catch(exitOnListenError(logger));
const running = exitOnConfigError("skyhook worker", () => composeWorker(config, logger));
worker = running;
// Past the grace period running handlers are interrupted and their jobs released; the extra
// margin lets that finish before the hard exit (after which jobs return as stalled). The ops
// server closes last, so probes and scrapes are answered while the worker drains.
onShutdownSignal(logger, config.shutdownTimeoutMs + shutdownExitMarginMs, async () => {
  await running.close();
  await ops.close();
});
