import { defaultRetention, type Retention, type RetryPolicy, type Route } from "@skyhook/contracts";
import type { JobsOptions } from "bullmq";

export type RetryOverride = Partial<Record<keyof RetryPolicy, number | undefined>>;

export type EventJobSettings = {
  dedupTtlSec: number;
  retention?: Retention;
  retryOverride?: RetryOverride;
};

/** The retry policy a route's jobs get: the operation's own, with any override applied. */
export function retryPolicyOf(route: Route, override: RetryOverride = {}): RetryPolicy | undefined {
  const own = route.spec?.retry ?? route.retry;
  if (own === undefined) return undefined;
  return {
    attempts: override.attempts ?? own.attempts,
    backoffMs: override.backoffMs ?? own.backoffMs,
    jitter: override.jitter ?? own.jitter,
  };
}

/**
 * Options for an event's job. The deduplication key has a TTL, so it outlives the job itself
 * and a re-send days later is still recognised after retention removed the completed job.
 */
export function eventJobOptions(
  route: Route,
  jobId: string,
  settings: EventJobSettings,
): JobsOptions & { jobId: string } {
  const retention = settings.retention ?? defaultRetention;
  const base = {
    jobId,
    deduplication: { id: jobId, ttl: settings.dedupTtlSec * 1000 },
    removeOnComplete: { age: retention.completedAgeSec, count: retention.completedCount },
    removeOnFail: { age: retention.failedAgeSec, count: retention.failedCount },
  };
  const retry = retryPolicyOf(route, settings.retryOverride);
  if (retry === undefined) return base;
  return {
    ...base,
    attempts: retry.attempts,
    backoff: { type: "exponential", delay: retry.backoffMs, jitter: retry.jitter },
  };
}

/** The job name BullMQ shows: the routing pair. */
export const jobNameOf = (event: { eventType: string; operation: string }) =>
  `${event.eventType}.${event.operation}`;
