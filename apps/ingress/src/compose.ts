import type { Server } from "node:http";
import type { TracerProvider } from "@opentelemetry/api";
import { type Catalog, defaultCatalog, unroutedQueueNames } from "@skyhook/contracts";
import {
  createAuthFailureCounter,
  createEnqueuer,
  createJournalWriter,
  createKeptSweeper,
  createLedger,
  createMetrics,
  createOutcomeSink,
  createProducerConnection,
  createQueuePool,
  createRejectedWriter,
  createReplicationWait,
  createRouteRegistry,
  createRouter,
  createTracing,
  disabledTracing,
  keyNames,
  knownQueues,
  type Metrics,
  type OutcomeSink,
  pingRedis,
  registerQueueGauges,
  scrapeMetrics,
} from "@skyhook/queue-kit";
import {
  createHttpServer,
  type Logger,
  type OpsRoute,
  opsJson,
  startTracing,
} from "@skyhook/service-kit";
import type { Express } from "express";
import { createApp } from "./app.ts";
import { createAccessTokens } from "./auth/access-tokens.ts";
import { createClientRegistry } from "./auth/client-registry.ts";
import { createFailureLimiter } from "./auth/failure-limits.ts";
import { createBackPressure } from "./back-pressure/back-pressure.ts";
import { answerClientError } from "./client-error.ts";
import type { IngressConfig } from "./config.ts";
import { errorCatalog } from "./errors.ts";
import { filterReasons } from "./subscriptions/subscription-filter.ts";

export type Ingress = {
  app: Express;
  outcomes: OutcomeSink;
  metrics: Metrics;
  /** What the internal ops server answers: `/metrics`, and `/healthz`, `/readyz` as public. */
  opsRoutes: Record<string, OpsRoute>;
  /**
   * The public HTTP server, not yet listening: the app with the configured timeouts, and
   * malformed requests answered with the JSON error body. The one way production and tests
   * serve the ingress.
   */
  createServer(): Server;
  close(): Promise<void>;
};

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
  const redis = createProducerConnection(config.redis, {
    commandTimeoutMs: config.enqueueTimeoutMs,
  });
  redis.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));
  const keys = keyNames(config.queuePrefix);
  const queues = createQueuePool({ connection: redis, prefix: config.queuePrefix, logger });
  const catalog = options.catalog ?? defaultCatalog;
  const routes = createRouteRegistry(redis, keys);
  const ledger = createLedger(redis, keys, config.journal);
  const router = createRouter({
    catalog,
    registry: routes,
    refreshMs: config.routesRefreshMs,
    logger,
  });
  // The connection queues nothing while it connects: read the routes as soon as it can.
  redis.on("ready", () => void router.refresh());
  const enqueuer = createEnqueuer({
    queues,
    ledger,
    timeoutMs: config.enqueueTimeoutMs,
    settings: config.jobs,
    replicated:
      config.ackReplicas > 0 ? createReplicationWait(redis, config.ackReplicas) : undefined,
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
  const backPressure = createBackPressure({
    redis,
    queues,
    budgets: config.bounds.shed,
    logger,
    registry: metrics.registry,
  });
  // The kept queues belong to the workers: the sweeper's pool must not rewrite their meta.
  const keptQueues = createQueuePool({
    connection: redis,
    prefix: config.queuePrefix,
    logger,
    observer: true,
  });
  const sweeper = createKeptSweeper({
    ctx: { redis, keys, queues: keptQueues, ledger },
    queueNames: async () => knownQueues(catalog, await routes.list()),
    bounds: config.bounds.kept.bounds,
    journalMaxEntries: config.journalMaxEntries,
    intervalMs: config.bounds.kept.sweepMs,
    logger,
    outcomes,
  });
  // The same bound as a delivery: a probe must not wait longer on a frozen Redis than Spotnana does.
  const isReady = () => pingRedis(redis, config.enqueueTimeoutMs);
  const clients = createClientRegistry(config.subscriptions);
  const app = createApp({
    logger,
    tokens: createAccessTokens({
      ...config.token,
      isConfiguredClient: (clientId) => clients.byClientId(clientId) !== undefined,
    }),
    clients,
    subscriptions: config.subscriptions,
    enqueuer,
    rejected: createRejectedWriter({
      queues,
      journal: createJournalWriter(redis, keys, config.journal),
      timeoutMs: config.enqueueTimeoutMs,
    }),
    outcomes,
    router,
    now: options.now,
    failureLimiter: createFailureLimiter({
      counter: createAuthFailureCounter(redis, keys),
      limits: config.authFailureLimits,
    }),
    trustProxy: config.trustProxy,
    isReady,
    body: config.body,
    defaultTokenTtlSec: config.token.ttlSec,
    retryAfterSec: config.retryAfterSec,
    backPressure,
    tracing:
      telemetry === undefined
        ? disabledTracing()
        : createTracing(telemetry.tracerProvider, telemetry.propagator),
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
    createServer() {
      const server = createHttpServer(app, config.http);
      server.on("clientError", answerClientError(logger));
      return server;
    },
    async close() {
      router.close();
      await Promise.all([backPressure.close(), sweeper.close()]);
      await Promise.all([queues.close(), keptQueues.close()]);
      redis.disconnect();
      await telemetry?.shutdown();
    },
  };
}
