import type { Server } from "node:http";
import type { TracerProvider } from "@opentelemetry/api";
import {
  type Catalog,
  defaultCatalog,
  type QueueNames,
  unroutedQueueNames,
} from "@skyhook/contracts";
import {
  createEnqueuer,
  createKeptSweeper,
  createLedger,
  createMetrics,
  createOutcomeSink,
  createProducerConnection,
  createQueuePool,
  createReplicationWait,
  createRouteRegistry,
  createRouter,
  createTracing,
  disabledTracing,
  type KeyNames,
  keyNames,
  knownQueues,
  type Ledger,
  type Metrics,
  type OutcomeSink,
  pingRedis,
  type RedisClient,
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
import { createBackPressure } from "./back-pressure/back-pressure.ts";
import { answerClientError } from "./client-error.ts";
import { composeApp } from "./compose-app.ts";
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
  const { routes, router } = startRouter(config, redis, keys, catalog, logger);
  const ledger = createLedger(redis, keys, config.journal);
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
  const sweeper = startKeptSweeper(config, {
    redis,
    keys,
    ledger,
    queueNames: async () => knownQueues(catalog, await routes.list()),
    logger,
    outcomes,
  });
  // The same bound as a delivery: a probe must not wait longer on a frozen Redis than Spotnana does.
  const isReady = () => pingRedis(redis, config.enqueueTimeoutMs);
  const app = composeApp(config, {
    logger,
    redis,
    keys,
    queues,
    enqueuer,
    outcomes,
    router,
    isReady,
    backPressure,
    tracing:
      telemetry === undefined
        ? disabledTracing()
        : createTracing(telemetry.tracerProvider, telemetry.propagator),
    now: options.now,
  });
  return {
    app,
    outcomes,
    metrics,
    opsRoutes: ingressOpsRoutes(isReady, metrics),
    createServer() {
      const server = createHttpServer(app, config.http);
      server.on("clientError", answerClientError(logger));
      return server;
    },
    async close() {
      router.close();
      await Promise.all([backPressure.close(), sweeper.close()]);
      await queues.close();
      redis.disconnect();
      await telemetry?.shutdown();
    },
  };
}

/** Routes by the catalog and by what running workers announced, refreshed on a timer. */
function startRouter(
  config: IngressConfig,
  redis: RedisClient,
  keys: KeyNames,
  catalog: Catalog,
  logger: Logger,
) {
  const routes = createRouteRegistry(redis, keys);
  const router = createRouter({
    catalog,
    registry: routes,
    refreshMs: config.routesRefreshMs,
    logger,
  });
  // The connection queues nothing while it connects: read the routes as soon as it can.
  redis.on("ready", () => void router.refresh());
  return { routes, router };
}

/** The ops server's routes: `/healthz`, `/readyz` (Redis answers within the bound), `/metrics`. */
function ingressOpsRoutes(
  isReady: () => Promise<boolean>,
  metrics: Metrics,
): Record<string, OpsRoute> {
  return {
    "/healthz": () => opsJson(200, { status: "ok" }),
    "/readyz": async () => {
      const ready = await isReady();
      return opsJson(ready ? 200 : 503, { status: ready ? "ready" : "redis unavailable" });
    },
    "/metrics": () => scrapeMetrics(metrics.registry),
  };
}

/**
 * The ingress's own sweeper of kept events, with a pool of its own: the kept queues belong to
 * the workers, so the sweeper's pool is an observer and never rewrites their meta.
 */
function startKeptSweeper(
  config: IngressConfig,
  deps: {
    redis: RedisClient;
    keys: KeyNames;
    ledger: Ledger;
    /** The queues to look in: the catalog's, the announced ones and the catch-all. */
    queueNames: () => Promise<readonly QueueNames[]>;
    logger: Logger;
    outcomes: OutcomeSink;
  },
): { close(): Promise<void> } {
  const { redis, keys, ledger, logger } = deps;
  const keptQueues = createQueuePool({
    connection: redis,
    prefix: config.queuePrefix,
    logger,
    observer: true,
  });
  const sweeper = createKeptSweeper({
    ctx: { redis, keys, queues: keptQueues, ledger },
    queueNames: deps.queueNames,
    bounds: config.bounds.kept.bounds,
    journalMaxEntries: config.journalMaxEntries,
    intervalMs: config.bounds.kept.sweepMs,
    logger,
    outcomes: deps.outcomes,
  });
  return {
    async close() {
      await sweeper.close();
      await keptQueues.close();
    },
  };
}
