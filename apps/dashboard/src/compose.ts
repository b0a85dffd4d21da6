import { defaultCatalog } from "@skyhook/contracts";
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
 */
export function composeDashboard(
  config: DashboardConfig,
  logger: Logger,
  queueNames: readonly string[] = defaultCatalog.allQueueNames(),
): Dashboard {
  const redis = createWorkerConnection(config.redisUrl);
  redis.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));
  const dashboard = createDashboardApp({
    connection: redis,
    prefix: config.queuePrefix,
    queueNames,
    readOnly: config.readOnly,
    basePath: config.basePath,
    credentials: config.credentials,
    redactFields: config.redactFields,
    jobs: config.jobs,
    logger,
  });
  return {
    app: dashboard.app,
    async close() {
      await dashboard.close();
      redis.disconnect();
    },
  };
}
