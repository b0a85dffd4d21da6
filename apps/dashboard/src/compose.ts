import { type Catalog, defaultCatalog } from "@skyhook/contracts";
import { createWorkerConnection } from "@skyhook/queue-kit";
import type { Logger } from "@skyhook/service-kit";
import { createDashboardApp, type Dashboard } from "./app.ts";
import type { DashboardConfig } from "./config.ts";

/**
 * Wires the dashboard from its config: the one place that creates its Redis connection.
 *
 * It uses the worker-style connection (commands wait out a Redis outage) rather than the
 * ingress's fail-fast one: nobody retries against the dashboard on a deadline, so a page that
 * loads late after a Redis blip beats a 500, and a per-command timeout would cut off the slow
 * but legitimate commands an operator runs here (listing or cleaning a large dead-letter queue).
 *
 * The board starts with the catalog's queues and adds those of routes workers announce later,
 * re-read every `refreshMs`.
 */
export function composeDashboard(
  config: DashboardConfig,
  logger: Logger,
  catalog: Catalog = defaultCatalog,
): Dashboard {
  const redis = createWorkerConnection(config.redis);
  redis.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));
  const dashboard = createDashboardApp({
    connection: redis,
    prefix: config.queuePrefix,
    readOnly: config.readOnly,
    basePath: config.basePath,
    auth: config.auth,
    redactFields: config.redactFields,
    jobs: config.jobs,
    journal: config.journal,
    httpsOnly: config.httpsOnly,
    trustProxy: config.trustProxy,
    timeZone: config.timeZone,
    catalog,
    refreshMs: config.refreshMs,
    logger,
  });
  return {
    app: dashboard.app,
    addQueues: dashboard.addQueues,
    async close() {
      await dashboard.close();
      redis.disconnect();
    },
  };
}
