import type { TracerProvider } from "@opentelemetry/api";
import { createBookingStore } from "@skyhook/booking-store";
import { type Catalog, defaultCatalog, type OperationSpec } from "@skyhook/contracts";
import { createHttpNotifier, createLogNotifier } from "@skyhook/handler-flight-cancelled";
import type { Handler } from "@skyhook/handler-kit";
import {
  createDriftRecorder,
  createLedger,
  createMetrics,
  createOutcomeSink,
  createQueuePool,
  createTracing,
  disabledTracing,
  type KeyNames,
  keyNames,
  logJobOutcomes,
  type Metrics,
  type OutcomeSink,
  type RedisClient,
  registerDriftGauge,
} from "@skyhook/queue-kit";
import { type Logger, type OpsRoute, startTracing } from "@skyhook/service-kit";
import { assign } from "./assign.ts";
import { takeOverRoutes } from "./backlog-adoption.ts";
import type { WorkerConfig } from "./config.ts";
import { openWorkerConnections } from "./connections.ts";
import type { ConsumptionMonitor } from "./consumption-monitor.ts";
import { sampleDrift } from "./drift-sampler.ts";
import type { FateObserver } from "./fate-observers.ts";
import { installedHandlers, type WorkerDeps } from "./handlers.ts";
import { type Runtime, startRuntime } from "./runtime.ts";
import { startWorkerOps } from "./worker-ops.ts";

export type WorkerProcess = {
  runtime: Runtime;
  outcomes: OutcomeSink;
  metrics: Metrics;
  consumption: ConsumptionMonitor;
  /** What the ops server answers: `/healthz`, `/readyz`, `/metrics`. */
  opsRoutes: Record<string, OpsRoute>;
  close(): Promise<void>;
};

/** What the installed handlers need, built once per process. */
function handlerDeps(
  config: WorkerConfig,
  keys: KeyNames,
  redis: RedisClient,
  logger: Logger,
): WorkerDeps {
  return {
    bookings: createBookingStore(redis, keys.projection()),
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
}

/** Samples handled events for contract drift, when a sample rate is set. */
function driftObservers(
  config: WorkerConfig,
  specs: readonly OperationSpec[],
  redis: RedisClient,
  keys: KeyNames,
  logger: Logger,
): FateObserver[] {
  if (config.driftSampleRate <= 0) return [];
  const recorder = createDriftRecorder(redis, keys);
  return [sampleDrift({ rate: config.driftSampleRate, specs, recorder, logger })];
}

const adoptSettings = (config: WorkerConfig) => ({
  enabled: config.adoptBacklog,
  intervalMs: config.adoptIntervalMs,
  ratePerSec: config.adoptRatePerSec,
});

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
  const specs = assignments.map((a) => a.spec);
  const telemetry = startTracing(config.tracing, {
    logger,
    tracerProvider: options.tracerProvider,
  });
  const connections = openWorkerConnections(config.redis, logger);
  const { redis } = connections;
  const prefix = config.queuePrefix;
  const keys = keyNames(prefix);
  const metrics = createMetrics();
  const outcomes = createOutcomeSink(logger, [logJobOutcomes(logger), metrics.observer]);
  const queues = createQueuePool({ connection: redis, prefix, logger });
  const ledger = createLedger(redis, keys, config.journal);
  // Counted by the metrics the ops server registers, which come after the runtime.
  let probed = (_queue: string): void => undefined;
  const runtime = startRuntime({
    connection: redis,
    prefix,
    keys,
    queues,
    ledger,
    assignments,
    deps: handlerDeps(config, keys, redis, logger),
    concurrency: config.concurrency,
    lockDurationMs: config.lockDurationMs,
    stalledIntervalMs: config.stalledIntervalMs,
    orderingHorizonSec: config.orderingHorizonSec,
    entityBusyDelayMs: config.entityBusyDelayMs,
    retryOverride: config.jobs.retryOverride,
    downstream: config.downstream,
    onProbe: (queue) => probed(queue),
    outcomes,
    logger,
    tracing:
      telemetry === undefined
        ? disabledTracing()
        : createTracing(telemetry.tracerProvider, telemetry.propagator),
    observers: driftObservers(config, specs, connections.ops, keys, logger),
  });
  const routes = takeOverRoutes({
    // The worker routes by its own catalog: the operations it adopts are the ones it knows.
    ctx: { redis, keys, queues, ledger, router: catalog, settings: config.jobs, logger, outcomes },
    specs,
    adopt: adoptSettings(config),
    logger,
  });
  registerDriftGauge({
    registry: metrics.registry,
    redis: connections.ops,
    keys,
    pairs: () => specs,
    logger,
  });
  const ops = startWorkerOps({
    redis: connections.ops,
    prefix,
    keys,
    consumers: runtime.consumers,
    queues: () => specs.map((spec) => spec.queues),
    metrics,
    stallAfterMs: config.stallAfterMs,
    logger,
  });
  probed = ops.probed;

  return {
    runtime,
    outcomes,
    metrics,
    consumption: ops.consumption,
    opsRoutes: ops.routes,
    async close() {
      await routes.stop();
      // Stopped before the drain: a worker that stops fetching is not stuck.
      ops.consumption.close();
      await runtime.close(config.shutdownTimeoutMs);
      await queues.close();
      await telemetry?.shutdown();
      // Last: probes and scrapes are answered while the worker drains.
      await ops.close();
      await connections.close();
    },
  };
}
