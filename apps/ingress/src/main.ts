import {
  announceDevCredentials,
  createLogger,
  exitOnConfigError,
  exitOnListenError,
  serveHttp,
  serveOps,
} from "@skyhook/service-kit";
import { composeIngress } from "./compose.ts";
import { devCredentials, loadIngressConfig } from "./config.ts";

const config = exitOnConfigError("skyhook ingress", () => loadIngressConfig(process.env));
const logger = createLogger({
  name: "skyhook-ingress",
  level: config.logLevel,
  redactFields: config.redactFields,
});
announceDevCredentials(
  logger,
  "Skyhook ingress",
  Object.fromEntries(config.devDefaultsInUse.map((name) => [name, devCredentials[name]])),
);

const ingress = composeIngress(config, logger);
const ops = await serveOps({
  port: config.ops.port,
  host: config.ops.host,
  logger,
  routes: ingress.opsRoutes,
}).catch(exitOnListenError(logger));
await serveHttp({
  server: ingress.createServer(),
  port: config.port,
  host: config.host,
  logger,
  shutdownTimeoutMs: config.shutdownTimeoutMs,
  close: async () => {
    await ops.close();
    await ingress.close();
  },
}).catch(exitOnListenError(logger));
logger.info(
  { port: config.port, host: config.host, subscriptions: config.subscriptions.map((s) => s.name) },
  "ingress listening: POST /oauth/token, POST /webhooks/spotnana",
);
