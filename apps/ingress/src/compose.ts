import type { TracerProvider } from "@opentelemetry/api";
import { type Catalog, defaultCatalog } from "@skyhook/contracts";
import {
  createEnqueuer,
  createLedger,
  createOutcomeSink,
  createProducerConnection,
  createQueuePool,
  createRejectedWriter,
  createRouteRegistry,
  createRouter,
  createTracing,
  disabledTracing,
  keyNames,
  type OutcomeSink,
  pingRedis,
} from "@skyhook/queue-kit";
import { type Logger, startTracing } from "@skyhook/service-kit";
import type { Express } from "express";
import { createApp } from "./app.ts";
import { createAccessTokens } from "./auth/access-tokens.ts";
import { createClientRegistry } from "./auth/client-registry.ts";
import type { IngressConfig } from "./config.ts";

export type Ingress = { app: Express; outcomes: OutcomeSink; close(): Promise<void> };

/** Wires the ingress from its config: the one place that creates its Redis connection. */
export function composeIngress(
  config: IngressConfig,
  logger: Logger,
  options: {
    catalog?: Catalog;
    now?: () => Date;
    /** Used instead of the one OTEL_* would build (tests: an in-memory exporter); not shut down here. */
    tracerProvider?: TracerProvider;
  } = {},
): Ingress {
  const telemetry = startTracing(config.tracing, {
    logger,
    tracerProvider: options.tracerProvider,
  });
  const redis = createProducerConnection(config.redisUrl, {
    commandTimeoutMs: config.enqueueTimeoutMs,
  });
  redis.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));
  const keys = keyNames(config.queuePrefix);
  const queues = createQueuePool({ connection: redis, prefix: config.queuePrefix, logger });
  const router = createRouter({
    catalog: options.catalog ?? defaultCatalog,
    registry: createRouteRegistry(redis, keys),
    refreshMs: config.routesRefreshMs,
    logger,
  });
  const enqueuer = createEnqueuer({
    queues,
    ledger: createLedger(redis, keys),
    timeoutMs: config.enqueueTimeoutMs,
    settings: config.jobs,
  });
  const outcomes = createOutcomeSink(logger);
  const app = createApp({
    logger,
    tokens: createAccessTokens(config.token),
    clients: createClientRegistry(config.subscriptions),
    subscriptions: config.subscriptions,
    enqueuer,
    rejected: createRejectedWriter({ queues, timeoutMs: config.enqueueTimeoutMs }),
    outcomes,
    router,
    now: options.now,
    failureLimits: config.authFailureLimits,
    trustProxy: config.trustProxy,
    isReady: () => pingRedis(redis, 1_000),
    bodyLimitBytes: config.bodyLimitBytes,
    defaultTokenTtlSec: config.token.ttlSec,
    retryAfterSec: config.retryAfterSec,
    tracing:
      telemetry === undefined
        ? disabledTracing()
        : createTracing(telemetry.tracerProvider, telemetry.propagator),
  });
  return {
    app,
    outcomes,
    async close() {
      router.close();
      await queues.close();
      redis.disconnect();
      await telemetry?.shutdown();
    },
  };
}
