import {
  defaultRetention,
  type EventJob,
  type Retention,
  type RetryPolicy,
  type Route,
} from "@skyhook/contracts";
import { type JobsOptions, Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { IngressError } from "./errors.ts";

export type Enqueuer = {
  /** Resolves once Redis has stored the job (or already had it); throws storage_unavailable. */
  enqueue(route: Route, job: EventJob, jobId: string): Promise<void>;
  close(): Promise<void>;
};

export type EnqueuerOptions = {
  connection: Redis;
  prefix: string;
  timeoutMs: number;
  dedupTtlSec: number;
  retention?: Retention;
  retryOverride?: Partial<Record<keyof RetryPolicy, number | undefined>>;
  logger: Logger;
};

function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export function createEnqueuer(options: EnqueuerOptions): Enqueuer {
  const retention = options.retention ?? defaultRetention;
  const queues = new Map<string, Queue>();

  const queueFor = (name: string): Queue => {
    let queue = queues.get(name);
    if (queue === undefined) {
      queue = new Queue(name, { connection: options.connection, prefix: options.prefix });
      queue.on("error", (err) =>
        options.logger.warn({ err, queue: name }, "queue connection error"),
      );
      queues.set(name, queue);
    }
    return queue;
  };

  const jobOptions = (route: Route, jobId: string): JobsOptions => {
    const base: JobsOptions = {
      jobId,
      // A TTL'd deduplication key outlives the job itself, so a re-send days later is still
      // recognised after the completed job has been removed by retention.
      deduplication: { id: jobId, ttl: options.dedupTtlSec * 1000 },
      removeOnComplete: { age: retention.completedAgeSec, count: retention.completedCount },
      removeOnFail: { age: retention.failedAgeSec, count: retention.failedCount },
    };
    if (route.spec === undefined) return base;
    const retry = { ...route.spec.retry };
    if (options.retryOverride?.attempts !== undefined)
      retry.attempts = options.retryOverride.attempts;
    if (options.retryOverride?.backoffMs !== undefined)
      retry.backoffMs = options.retryOverride.backoffMs;
    return {
      ...base,
      attempts: retry.attempts,
      backoff: { type: "exponential", delay: retry.backoffMs, jitter: retry.jitter },
    };
  };

  return {
    async enqueue(route, job, jobId) {
      const queue = queueFor(route.queues.queue);
      try {
        await withTimeout(
          queue.add(`${job.eventType}.${job.operation}`, job, jobOptions(route, jobId)),
          options.timeoutMs,
        );
      } catch (err) {
        throw new IngressError(
          "storage_unavailable",
          "the event could not be stored; retry later",
          undefined,
          {
            cause: err,
          },
        );
      }
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}
