import {
  createAuthFailureCounter,
  createJournalWriter,
  createRejectedWriter,
  type KeyNames,
  type QueuePool,
  type RedisClient,
} from "@skyhook/queue-kit";
import type { Express } from "express";
import { type AppDeps, createApp } from "./app.ts";
import { createAccessTokens } from "./auth/access-tokens.ts";
import { createClientRegistry } from "./auth/client-registry.ts";
import { createFailureLimiter } from "./auth/failure-limits.ts";
import type { IngressConfig } from "./config.ts";

/** The Express app over what was composed, with the parts only the app uses built from config. */
export function composeApp(
  config: IngressConfig,
  deps: Pick<
    AppDeps,
    "logger" | "enqueuer" | "outcomes" | "router" | "isReady" | "backPressure" | "tracing" | "now"
  > & { redis: RedisClient; keys: KeyNames; queues: QueuePool },
): Express {
  const { redis, keys, queues, ...shared } = deps;
  const clients = createClientRegistry(config.subscriptions);
  return createApp({
    ...shared,
    tokens: createAccessTokens({
      ...config.token,
      isConfiguredClient: (clientId) => clients.byClientId(clientId) !== undefined,
    }),
    clients,
    subscriptions: config.subscriptions,
    rejected: createRejectedWriter({
      queues,
      journal: createJournalWriter(redis, keys, config.journal),
      timeoutMs: config.enqueueTimeoutMs,
    }),
    failureLimiter: createFailureLimiter({
      counter: createAuthFailureCounter(redis, keys),
      limits: config.authFailureLimits,
    }),
    trustProxy: config.trustProxy,
    body: config.body,
    defaultTokenTtlSec: config.token.ttlSec,
    retryAfterSec: config.retryAfterSec,
  });
}
