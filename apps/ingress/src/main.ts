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
  logger.warn(
    { devDefaults: config.devDefaultsInUse },
    "DEVELOPMENT-ONLY CREDENTIALS in use (refused when NODE_ENV=production)",
  );
  // The development values are public (README); a banner for the person at the terminal, kept
  // out of the structured log stream, which must never carry credentials.
  const dev = config.subscriptions[0];
  console.error(
    `\n  Skyhook ingress is using DEVELOPMENT-ONLY credentials: ${config.devDefaultsInUse.join(", ")}` +
      `\n  client_id=${dev?.clientId ?? ""} client_secret=${dev?.clientSecret ?? ""}` +
      "\n  Set SPOTNANA_CLIENT_ID, SPOTNANA_CLIENT_SECRET and TOKEN_SIGNING_KEY before exposing it.\n",
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
