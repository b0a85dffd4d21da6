import { type Catalog, defaultCatalog, unroutedQueueNames } from "@skyhook/contracts";
import {
  createEnqueuer,
  createLedger,
  createMetrics,
  createOutcomeSink,
  createProducerConnection,
  createQueuePool,
  keyNames,
  type Metrics,
  type OutcomeSink,
  pingRedis,
  registerQueueGauges,
  scrapeMetrics,
} from "@skyhook/queue-kit";
import { type Logger, type OpsRoute, opsJson } from "@skyhook/service-kit";
import type { Express } from "express";
import { createApp } from "./app.ts";
import { createAccessTokens } from "./auth/access-tokens.ts";
import { createClientRegistry } from "./auth/client-registry.ts";
import type { IngressConfig } from "./config.ts";
import { errorCatalog } from "./errors.ts";
import { filterReasons } from "./subscriptions/subscription-filter.ts";

export type Ingress = {
  app: Express;
  outcomes: OutcomeSink;
  metrics: Metrics;
  /** What the internal ops server answers: `/metrics`, and `/healthz`, `/readyz` as public. */
  opsRoutes: Record<string, OpsRoute>;
  close(): Promise<void>;
};

/** Wires the ingress from its config: the one place that creates its Redis connection. */
export function composeIngress(
  config: IngressConfig,
  logger: Logger,
  options: { catalog?: Catalog; now?: () => Date } = {},
): Ingress {
  const redis = createProducerConnection(config.redisUrl, {
    commandTimeoutMs: config.enqueueTimeoutMs,
  });
  redis.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));
  const keys = keyNames(config.queuePrefix);
  const queues = createQueuePool({ connection: redis, prefix: config.queuePrefix, logger });
  const enqueuer = createEnqueuer({
    queues,
    ledger: createLedger(redis, keys),
    timeoutMs: config.enqueueTimeoutMs,
    settings: {
      dedupTtlSec: config.dedupTtlSec,
      retention: config.retention,
      retryOverride: config.retryOverride,
    },
  });
  const metrics = createMetrics({
    subscriptions: config.subscriptions.map((s) => s.name),
    reasons: [...Object.keys(errorCatalog), ...filterReasons],
  });
  const outcomes = createOutcomeSink(logger, [metrics.observer]);
  // The workers report the queues they consume; the catch-all has no worker, so it is here.
  registerQueueGauges({
    registry: metrics.registry,
    redis,
    keys,
    pool: queues,
    queues: () => [unroutedQueueNames],
    logger,
  });
  const isReady = () => pingRedis(redis, 1_000);
  const app = createApp({
    logger,
    tokens: createAccessTokens(config.token),
    clients: createClientRegistry(config.subscriptions),
    subscriptions: config.subscriptions,
    enqueuer,
    outcomes,
    catalog: options.catalog ?? defaultCatalog,
    now: options.now,
    failureLimits: config.authFailureLimits,
    trustProxy: config.trustProxy,
    isReady,
    bodyLimitBytes: config.bodyLimitBytes,
    defaultTokenTtlSec: config.token.ttlSec,
    retryAfterSec: config.retryAfterSec,
  });
  return {
    app,
    outcomes,
    metrics,
    opsRoutes: {
      "/healthz": () => opsJson(200, { status: "ok" }),
      "/readyz": async () => {
        const ready = await isReady();
        return opsJson(ready ? 200 : 503, { status: ready ? "ready" : "redis unavailable" });
      },
      "/metrics": () => scrapeMetrics(metrics.registry),
    },
    async close() {
      await queues.close();
      redis.disconnect();
    },
  };
}
