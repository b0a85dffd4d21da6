import { once } from "node:events";
import { ConfigError, createLogger, onShutdownSignal } from "@skyhook/service-kit";
import { composeIngress } from "./compose.ts";
import { type IngressConfig, loadIngressConfig } from "./config.ts";

function configOrExit(): IngressConfig {
  try {
    return loadIngressConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`skyhook ingress: ${err.message}`);
    process.exit(1);
  }
}

const config = configOrExit();
const logger = createLogger({ name: "skyhook-ingress", level: config.logLevel });
if (config.devDefaultsInUse.length > 0) {
  const dev = config.subscriptions[0];
  logger.warn(
    {
      devDefaults: config.devDefaultsInUse,
      devClientId: dev?.clientId,
      devClientSecret: dev?.clientSecret,
    },
    "DEVELOPMENT-ONLY CREDENTIALS in use: set them for real before exposing this ingress (refused when NODE_ENV=production)",
  );
}

const ingress = composeIngress(config, logger);
const server = ingress.app.listen(config.port, config.host);
await once(server, "listening");
logger.info(
  { port: config.port, host: config.host, subscriptions: config.subscriptions.map((s) => s.name) },
  "ingress listening: POST /oauth/token, POST /webhooks/spotnana",
);

onShutdownSignal(logger, config.shutdownTimeoutMs, async () => {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await closed;
  await ingress.close();
});
