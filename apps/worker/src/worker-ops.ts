import type { QueueNames } from "@skyhook/contracts";
import {
  createQueuePool,
  type KeyNames,
  type Metrics,
  pingRedis,
  type RedisClient,
  registerDownstreamGauges,
  registerQueueGauges,
  registerWorkerReadyGauge,
  scrapeMetrics,
  withTimeout,
} from "@skyhook/queue-kit";
import { type OpsRoute, opsJson } from "@skyhook/service-kit";
import type { Logger } from "pino";
import { type ConsumptionMonitor, watchConsumption } from "./consumption-monitor.ts";
import type { Consumer } from "./runtime.ts";

/** Every few seconds, and often enough that a stall is seen soon after it passes the limit. */
const checkEveryMsFor = (stallAfterMs: number) =>
  Math.min(5_000, Math.max(250, Math.floor(stallAfterMs / 4)));

export type WorkerOps = {
  consumption: ConsumptionMonitor;
  /** What the ops server answers: `/healthz`, `/readyz`, `/metrics`. */
  routes: Record<string, OpsRoute>;
  /** Counts a run let through an open breaker to probe the downstream. */
  probed(queue: string): void;
  /** Closes the queues it reads; the monitor is stopped by `consumption.close()`. */
  close(): Promise<void>;
};

/**
 * Readiness (a ping and the stall rule over the consumed queues) and the metrics read from
 * Redis at scrape time, all on the ops connection. Reads through BullMQ wait for a connection
 * whatever its options, so each is bounded by a timeout (and scrapes by their own).
 */
export function startWorkerOps(options: {
  redis: RedisClient;
  prefix: string;
  keys: KeyNames;
  consumers: readonly Consumer[];
  queues: () => readonly QueueNames[];
  metrics: Metrics;
  stallAfterMs: number;
  logger: Logger;
}): WorkerOps {
  const { redis, metrics, logger } = options;
  const pool = createQueuePool({
    connection: redis,
    prefix: options.prefix,
    logger,
    observer: true,
  });
  const consumption = watchConsumption({
    consumers: options.consumers,
    async readWork(queue) {
      const q = pool.get(queue);
      // A delayed job whose time has come (a retry, a job put back) is ready work too: a
      // consuming worker promotes it at once, one that cannot write never does. A queue held
      // while its downstream is down (rate-limited) is waiting on purpose, like a paused one.
      const [counts, due, paused, heldMs] = await withTimeout(
        Promise.all([
          q.getJobCounts("waiting", "prioritized"),
          q.getDelayedCount(Date.now()),
          q.isPaused(),
          q.getRateLimitTtl(),
        ]),
        1_000,
        "redis",
      );
      return {
        ready: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + due,
        paused: paused || heldMs > 0,
      };
    },
    ping: () => pingRedis(redis, 1_000),
    stallAfterMs: options.stallAfterMs,
    checkEveryMs: checkEveryMsFor(options.stallAfterMs),
    logger,
  });
  registerWorkerReadyGauge(metrics.registry, () => consumption.states());
  registerQueueGauges({
    registry: metrics.registry,
    redis,
    keys: options.keys,
    pool,
    queues: options.queues,
    logger,
  });
  const downstream = registerDownstreamGauges({
    registry: metrics.registry,
    redis,
    keys: options.keys,
    pool,
    queues: options.queues,
    logger,
  });
  return {
    consumption,
    probed: downstream.probed,
    routes: {
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
    close: () => pool.close(),
  };
}
