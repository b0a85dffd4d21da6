import { once } from "node:events";
import { ConfigError, createLogger, onShutdownSignal } from "@skyhook/service-kit";
import { composeDashboard } from "./compose.ts";
import { type DashboardConfig, devCredentials, loadDashboardConfig } from "./config.ts";

function configOrExit(): DashboardConfig {
  try {
    return loadDashboardConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`skyhook dashboard: ${err.message}`);
    process.exit(1);
  }
}

const config = configOrExit();
const logger = createLogger({ name: "skyhook-dashboard", level: config.logLevel });
if (config.devDefaultsInUse.length > 0) {
  // Only the published development values are logged, never a configured credential.
  const published = Object.fromEntries(
    config.devDefaultsInUse.map((name) => [name, devCredentials[name]]),
  );
  logger.warn(
    { devDefaults: config.devDefaultsInUse, devValues: published },
    "DEVELOPMENT-ONLY CREDENTIALS in use: anyone who can reach this dashboard can log in; set DASHBOARD_USER and DASHBOARD_PASSWORD before exposing it (refused when NODE_ENV=production)",
  );
}

const dashboard = composeDashboard(config, logger);
const server = dashboard.app.listen(config.port, config.host);
await once(server, "listening");
logger.info(
  {
    port: config.port,
    host: config.host,
    basePath: config.basePath,
    readOnly: config.readOnly,
    queuePrefix: config.queuePrefix,
  },
  "dashboard listening",
);

onShutdownSignal(logger, config.shutdownTimeoutMs, async () => {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await closed;
  await dashboard.close();
});
