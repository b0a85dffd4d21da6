import {
  createProducerConnection,
  createWorkerConnection,
  type RedisClient,
  type RedisTarget,
} from "@skyhook/queue-kit";
import type { Logger } from "pino";

/**
 * The worker's Redis connections: two of its own (BullMQ adds one blocking connection per
 * consumed queue, duplicated from `redis`, for its long-polling fetch).
 */
export type WorkerConnections = {
  /**
   * Everything a job does: BullMQ's commands, the side queues (dead letters, stale events),
   * Skyhook's per-job commands (entity guard, ledger, the handlers' projection), the route
   * announcement and adoption. One connection rather than one for BullMQ and one for Skyhook:
   * the worker spends less CPU per job than with Skyhook's commands on a second, auto-pipelined
   * connection (docs/benchmarks.md, "The worker"): one socket to read, and no pipeline object
   * per flush. Commands wait out an outage instead of failing the job.
   */
  redis: RedisClient;
  /**
   * Health checks and scrapes, without an offline queue: on `redis` (which waits out outages)
   * they would pile up unanswered, so readiness could not say that Redis is away. Contract drift
   * samples are written here too, for the same reason: while Redis is away they fail and are
   * dropped instead of piling up in memory.
   */
  ops: RedisClient;
  close(): Promise<void>;
};

export function openWorkerConnections(target: RedisTarget, logger: Logger): WorkerConnections {
  const redis = createWorkerConnection(target);
  redis.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));
  const ops = createProducerConnection(target, { commandTimeoutMs: 1_000 });
  // `redis` already reports outages; this one would repeat them.
  ops.on("error", (err) => logger.debug({ err: err.message }, "ops redis connection error"));
  return {
    redis,
    ops,
    async close() {
      await redis.quit();
      ops.disconnect();
    },
  };
}
