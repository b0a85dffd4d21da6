import { z } from "zod";

/**
 * How a failed handler run is retried before dead-lettering. A retryable failure is retried
 * until the event is `horizonSec` old (Skyhook's receipt is the start), with a backoff that
 * doubles from `backoffMs` up to `maxBackoffMs`: a downstream down for hours is waited out, not
 * turned into dead letters. `attempts` is a cap on failed runs on top of that, against a handler
 * that fails fast for ever. A downstream that says it is unavailable holds its operation instead
 * and spends no attempt (see `DownstreamUnavailable`).
 */
export const RetryPolicy = z.object({
  attempts: z.number().int().min(1).max(10_000),
  backoffMs: z.number().int().min(0),
  /** 0..1: the share of each delay that is randomised, so retries of a burst spread out. */
  jitter: z.number().min(0).max(1),
  // Defaults, so a route announced by a worker of an older version still parses.
  maxBackoffMs: z
    .number()
    .int()
    .min(0)
    .default(15 * 60_000),
  horizonSec: z
    .number()
    .int()
    .min(1)
    .default(3 * 24 * 3600),
});
export type RetryPolicy = z.infer<typeof RetryPolicy>;

/**
 * Retried for three days from receipt (a weekend's outage; Spotnana itself retries for 14),
 * 2 s, 4 s, … doubling to at most 15 minutes apart, jittered by up to half.
 */
export const defaultRetryPolicy: RetryPolicy = {
  attempts: 1_000,
  backoffMs: 2_000,
  jitter: 0.5,
  maxBackoffMs: 15 * 60_000,
  horizonSec: 3 * 24 * 3600,
};

/**
 * The delay before retry number `retry` (1 after the first failed run): `backoffMs` doubled
 * each time, capped at `maxBackoffMs`, then jittered down by up to `jitter` of it. `random` is
 * in [0, 1); 0 gives the longest delay.
 */
export function retryDelayMs(policy: RetryPolicy, retry: number, random: number): number {
  const full = Math.min(policy.backoffMs * 2 ** Math.max(0, retry - 1), policy.maxBackoffMs);
  return Math.round(full * (1 - policy.jitter * random));
}

/** Retention of finished jobs: bounded by age and count so Redis memory stays bounded. */
export const Retention = z.object({
  completedAgeSec: z.number().int().min(0),
  completedCount: z.number().int().min(0),
  failedAgeSec: z.number().int().min(0),
  failedCount: z.number().int().min(0),
});
export type Retention = z.infer<typeof Retention>;

export const defaultRetention: Retention = {
  completedAgeSec: 24 * 3600,
  completedCount: 10_000,
  failedAgeSec: 14 * 24 * 3600,
  failedCount: 100_000,
};
