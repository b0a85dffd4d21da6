import { type Catalog, defaultCatalog } from "@skyhook/contracts";
import { createProducerConnection, type Logger, pingRedis } from "@skyhook/service-kit";
import type { Express } from "express";
import { createApp } from "./app.ts";
import { createAccessTokens } from "./auth/access-tokens.ts";
import { createClientRegistry } from "./auth/client-registry.ts";
import type { IngressConfig } from "./config.ts";
import { createEnqueuer } from "./enqueuer.ts";
import { createOutcomeCounter } from "./outcome-counter.ts";

export type Ingress = { app: Express; close(): Promise<void> };

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
  const enqueuer = createEnqueuer({
    connection: redis,
    prefix: config.queuePrefix,
    timeoutMs: config.enqueueTimeoutMs,
    dedupTtlSec: config.dedupTtlSec,
    retention: config.retention,
    retryOverride: config.retryOverride,
    logger,
  });
  const app = createApp({
    logger,
    tokens: createAccessTokens(config.token),
    clients: createClientRegistry(config.subscriptions),
    subscriptions: config.subscriptions,
    enqueuer,
    outcomes: createOutcomeCounter(redis, config.queuePrefix),
    catalog: options.catalog ?? defaultCatalog,
    now: options.now,
    failureLimits: config.authFailureLimits,
    trustProxy: config.trustProxy,
    isReady: () => pingRedis(redis, 1_000),
    bodyLimitBytes: config.bodyLimitBytes,
    defaultTokenTtlSec: config.token.ttlSec,
    retryAfterSec: config.retryAfterSec,
  });
  return {
    app,
    async close() {
      await enqueuer.close();
      redis.disconnect();
    },
  };
}
