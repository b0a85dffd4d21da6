import type { TracerProvider } from "@opentelemetry/api";
import { createBookingStore } from "@skyhook/booking-store";
import { type Catalog, defaultCatalog } from "@skyhook/contracts";
import { createHttpNotifier, createLogNotifier } from "@skyhook/handler-flight-cancelled";
import type { Handler } from "@skyhook/handler-kit";
import {
  createLedger,
  createMetrics,
  createOutcomeSink,
  createProducerConnection,
  createQueuePool,
  createRedisClient,
  createRouteRegistry,
  createTracing,
  createWorkerConnection,
  disabledTracing,
  keyNames,
  logJobOutcomes,
  type Metrics,
  type OpsContext,
  type OutcomeSink,
  pingRedis,
  registerQueueGauges,
  registerWorkerReadyGauge,
  scrapeMetrics,
  withTimeout,
} from "@skyhook/queue-kit";
import {
  ConfigError,
  type Logger,
  type OpsRoute,
  opsJson,
  startTracing,
} from "@skyhook/service-kit";
import { startBacklogAdoption } from "./backlog-adoption.ts";
import type { WorkerConfig } from "./config.ts";
import { type ConsumptionMonitor, watchConsumption } from "./consumption-monitor.ts";
import { installedHandlers, type WorkerDeps } from "./handlers.ts";
import { type Assignment, type Runtime, startRuntime } from "./runtime.ts";

/**
 * Pairs each selected operation with its installed handler and its contract. Selecting an
 * operation nobody installed is a configuration error, not a worker that silently idles.
 */
export function assign<D>(
  catalog: Catalog,
  handlers: readonly Handler<D>[],
  selected: WorkerConfig["operations"],
): Assignment<D>[] {
  const wanted =
    selected ?? handlers.map((h) => ({ eventType: h.eventType, operation: h.operation }));
  const problems: string[] = [];
  const assignments = wanted.flatMap(({ eventType, operation }) => {
    const handler = handlers.find((h) => h.eventType === eventType && h.operation === operation);
    const { spec } = catalog.route(eventType, operation);
    if (handler === undefined || spec === undefined) {
      problems.push(`WORKER_OPERATIONS: no handler installed for ${eventType}/${operation}`);
      return [];
    }
    return [{ spec, handler }];
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return assignments;
}

export type WorkerProcess = {
  runtime: Runtime;
  outcomes: OutcomeSink;
  metrics: Metrics;
  consumption: ConsumptionMonitor;
  /** What the ops server answers: `/healthz`, `/readyz`, `/metrics`. */
  opsRoutes: Record<string, OpsRoute>;
  close(): Promise<void>;
};

/** Every few seconds, and often enough that a stall is seen soon after it passes the limit. */
const checkEveryMsFor = (stallAfterMs: number) =>
  Math.min(5_000, Math.max(250, Math.floor(stallAfterMs / 4)));

export function composeWorker(
  config: WorkerConfig,
  logger: Logger,
  catalog: Catalog = defaultCatalog,
  handlers: readonly Handler<WorkerDeps>[] = installedHandlers,
  options: {
    /** Used instead of the one OTEL_* would build (tests: an in-memory exporter); not shut down here. */
    tracerProvider?: TracerProvider;
  } = {},
): WorkerProcess {
  const assignments = assign(catalog, handlers, config.operations);
  const telemetry = startTracing(config.tracing, {
    logger,
    tracerProvider: options.tracerProvider,
  });
  const connection = createWorkerConnection(config.redis);
  connection.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));
  // Skyhook's own per-job commands (entity guard, projection, completion count) go on a
  // connection of their own that ioredis auto-pipelines: what the concurrent jobs send in one
  // event-loop turn leaves in one socket write, the biggest single CPU cost per command. BullMQ's
  // connection stays as BullMQ expects it. The worker connection's profile otherwise
  // (createWorkerConnection): commands wait out an outage instead of failing the job.
  const commands = createRedisClient(config.redis, {
    maxRetriesPerRequest: null,
    enableAutoPipelining: true,
  });
  commands.on("error", (err) => logger.debug({ err: err.message }, "redis connection error"));
  const deps: WorkerDeps = {
    bookings: createBookingStore(commands, `${config.queuePrefix}:projection`),
    notifier:
      config.notifyUrl === undefined
        ? createLogNotifier(logger.child({ component: "notifier" }))
        : createHttpNotifier({
            url: config.notifyUrl,
            timeoutMs: config.notifyTimeoutMs,
            authorization: config.notifyAuthorization,
          }),
    effectTtlSec: config.effectTtlSec,
  };
  const metrics = createMetrics();
  const outcomes = createOutcomeSink(logger, [logJobOutcomes(logger), metrics.observer]);
  const keys = keyNames(config.queuePrefix);
  const queues = createQueuePool({ connection, prefix: config.queuePrefix, logger });
  const ledger = createLedger(commands, keys);
  const runtime = startRuntime({
    connection,
    commands,
    prefix: config.queuePrefix,
    keys,
    queues,
    ledger,
    assignments,
    deps,
    concurrency: config.concurrency,
    lockDurationMs: config.lockDurationMs,
    stalledIntervalMs: config.stalledIntervalMs,
    orderingHorizonSec: config.orderingHorizonSec,
    entityBusyDelayMs: config.entityBusyDelayMs,
    outcomes,
    logger,
    tracing:
      telemetry === undefined
        ? disabledTracing()
        : createTracing(telemetry.tracerProvider, telemetry.propagator),
  });
  // Announce what this worker handles, so the ingress routes to it and the dashboard lists it
  // without being redeployed; then take over what waited for it in the catch-all.
  const pairs = assignments.map(({ spec }) => ({
    eventType: spec.eventType,
    operation: spec.operation,
  }));
  const registry = createRouteRegistry(connection, keys);
  const announced = registry
    .announce(
      assignments.map(({ spec }) => ({
        eventType: spec.eventType,
        operation: spec.operation,
        queues: spec.queues,
        retry: spec.retry,
      })),
    )
    .catch((err: unknown) => logger.warn({ err }, "could not announce routes"));
  const ctx: OpsContext = {
    redis: connection,
    keys,
    queues,
    ledger,
    router: {
      route: (eventType, operation) => catalog.route(eventType, operation),
      refresh: async () => undefined,
      close: () => undefined,
    },
    settings: config.jobs,
    logger,
    outcomes,
    queueNames: async () => assignments.map(({ spec }) => spec.queues),
  };
  const adoption = config.adoptBacklog
    ? startBacklogAdoption({
        ctx,
        pairs,
        intervalMs: config.adoptIntervalMs,
        ratePerSec: config.adoptRatePerSec,
        logger,
      })
    : undefined;

  // Health checks and scrapes get a connection of their own, without an offline queue: on the
  // worker's connection (which waits out outages) their commands would pile up unanswered.
  // The ping fails at once while Redis is away; reads through BullMQ wait for the connection
  // whatever its options, so each is bounded by a timeout (and scrapes by their own).
  const opsConnection = createProducerConnection(config.redis, { commandTimeoutMs: 1_000 });
  // The worker's connection already reports outages; this one would repeat them.
  opsConnection.on("error", (err) =>
    logger.debug({ err: err.message }, "ops redis connection error"),
  );
  const opsQueues = createQueuePool({
    connection: opsConnection,
    prefix: config.queuePrefix,
    logger,
    observer: true,
  });
  const consumption = watchConsumption({
    consumers: runtime.consumers,
    async readWork(queue) {
      const q = opsQueues.get(queue);
      // A delayed job whose time has come (a retry, a job put back) is ready work too: a
      // consuming worker promotes it at once, one that cannot write never does.
      const [counts, due, paused] = await withTimeout(
        Promise.all([
          q.getJobCounts("waiting", "prioritized"),
          q.getDelayedCount(Date.now()),
          q.isPaused(),
        ]),
        1_000,
        "redis",
      );
      return { ready: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + due, paused };
    },
    ping: () => pingRedis(opsConnection, 1_000),
    stallAfterMs: config.stallAfterMs,
    checkEveryMs: checkEveryMsFor(config.stallAfterMs),
    logger,
  });
  registerWorkerReadyGauge(metrics.registry, () => consumption.states());
  registerQueueGauges({
    registry: metrics.registry,
    redis: opsConnection,
    keys,
    pool: opsQueues,
    queues: () => assignments.map((a) => a.spec.queues),
    logger,
  });

  return {
    runtime,
    outcomes,
    metrics,
    consumption,
    opsRoutes: {
      "/healthz": () => opsJson(200, { status: "ok" }),
      "/readyz": async () => {
        const readiness = await consumption.readiness();
        return opsJson(readiness.ready ? 200 : 503, {
          status: readiness.ready ? "ready" : "not ready",
          ...readiness,
        });
      },
      "/metrics": () => scrapeMetrics(metrics.registry),
    },
    async close() {
      await announced;
      await adoption?.stop();
      consumption.close();
      await runtime.close(config.shutdownTimeoutMs);
      await queues.close();
      await connection.quit();
      await commands.quit();
      await telemetry?.shutdown();
      await opsQueues.close();
      opsConnection.disconnect();
    },
  };
}
