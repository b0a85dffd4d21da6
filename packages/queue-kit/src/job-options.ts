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
    maxBackoffMs: override.maxBackoffMs ?? own.maxBackoffMs,
    horizonSec: override.horizonSec ?? own.horizonSec,
  };
}

/**
 * The backoff type of event jobs: BullMQ calls the worker's `backoffStrategy` for it, which
 * doubles the delay up to the policy's cap (BullMQ's own exponential has no cap).
 */
export const cappedBackoffType = "skyhook-capped";

/**
 * Options for an event's job. The deduplication key has a TTL, so it outlives the job itself
 * and a re-send days later is still recognised after retention removed the completed job.
 */
export const eventJobOptions = (route: Route, jobId: string, settings: EventJobSettings) =>
  createEventJobOptions(settings)(route, jobId);

type FixedOptions = Pick<JobsOptions, "removeOnComplete" | "removeOnFail" | "attempts" | "backoff">;

/**
 * `eventJobOptions` for the delivery path: what does not depend on the job (retention, retry)
 * is built once per retry policy and shared, frozen, by every job of that policy; per job only
 * the id and its deduplication key are new. Routes are built per call, but their retry policy
 * objects are the catalog's (or the last announcement's), so they key the cache.
 */
export function createEventJobOptions(
  settings: EventJobSettings,
): (route: Route, jobId: string) => JobsOptions & { jobId: string } {
  const retention = settings.retention ?? defaultRetention;
  const dedupTtlMs = settings.dedupTtlSec * 1000;
  const removeOnComplete = Object.freeze({
    age: retention.completedAgeSec,
    count: retention.completedCount,
  });
  const removeOnFail = Object.freeze({ age: retention.failedAgeSec, count: retention.failedCount });
  const noRetry: FixedOptions = Object.freeze({ removeOnComplete, removeOnFail });
  const byPolicy = new WeakMap<RetryPolicy, FixedOptions>();
  const fixedFor = (route: Route): FixedOptions => {
    const own = route.spec?.retry ?? route.retry;
    if (own === undefined) return noRetry;
    let fixed = byPolicy.get(own);
    if (fixed === undefined) {
      const retry = retryPolicyOf(route, settings.retryOverride) ?? own;
      fixed = Object.freeze({
        removeOnComplete,
        removeOnFail,
        attempts: retry.attempts,
        backoff: Object.freeze({
          type: cappedBackoffType,
          delay: retry.backoffMs,
          jitter: retry.jitter,
        }),
      });
      byPolicy.set(own, fixed);
    }
    return fixed;
  };
  return (route, jobId) => {
    const fixed = fixedFor(route);
    const options: JobsOptions & { jobId: string } = {
      jobId,
      deduplication: { id: jobId, ttl: dedupTtlMs },
      removeOnComplete: fixed.removeOnComplete,
      removeOnFail: fixed.removeOnFail,
    };
    if (fixed.attempts !== undefined) {
      options.attempts = fixed.attempts;
      options.backoff = fixed.backoff;
    }
    return options;
  };
}

/** The job name BullMQ shows: the routing pair. */
export const jobNameOf = (event: { eventType: string; operation: string }) =>
  `${event.eventType}.${event.operation}`;
