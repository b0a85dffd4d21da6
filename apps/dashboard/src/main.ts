import {
  announceDevCredentials,
  createHttpServer,
  createLogger,
  exitOnConfigError,
  exitOnListenError,
  serveHttp,
} from "@skyhook/service-kit";
import { composeDashboard } from "./compose.ts";
import { devCredentials, loadDashboardConfig } from "./config.ts";

const config = exitOnConfigError("skyhook dashboard", () => loadDashboardConfig(process.env));
const logger = createLogger({
  name: "skyhook-dashboard",
  level: config.logLevel,
  redactFields: config.redactFields,
});
announceDevCredentials(
  logger,
  "Skyhook dashboard",
  Object.fromEntries(config.devDefaultsInUse.map((name) => [name, devCredentials[name]])),
);

const dashboard = composeDashboard(config, logger);
await serveHttp({
  server: createHttpServer(dashboard.app),
  port: config.port,
  host: config.host,
  logger,
  shutdownTimeoutMs: config.shutdownTimeoutMs,
  close: () => dashboard.close(),
}).catch(exitOnListenError(logger));
logger.info(
  {
    port: config.port,
    host: config.host,
    basePath: config.basePath,
    auth: config.auth.mode,
    users:
      config.auth.mode === "basic"
        ? config.auth.users.map((user) => ({ name: user.name, role: user.role }))
        : undefined,
    readOnly: config.readOnly,
    httpsOnly: config.httpsOnly,
    trustProxy: config.trustProxy,
    refreshMs: config.refreshMs,
    timeZone: config.timeZone,
    queuePrefix: config.queuePrefix,
  },
  "dashboard listening",
);
