import {
  announceDevCredentials,
  createLogger,
  exitOnConfigError,
  serveHttp,
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
await serveHttp({
  app: ingress.app,
  port: config.port,
  host: config.host,
  logger,
  shutdownTimeoutMs: config.shutdownTimeoutMs,
  close: () => ingress.close(),
});
logger.info(
  { port: config.port, host: config.host, subscriptions: config.subscriptions.map((s) => s.name) },
  "ingress listening: POST /oauth/token, POST /webhooks/spotnana",
);
