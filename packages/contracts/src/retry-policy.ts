import { z } from "zod";

/** How often and how patiently a failed handler run is retried before dead-lettering. */
export const RetryPolicy = z.object({
  attempts: z.number().int().min(1).max(100),
  backoffMs: z.number().int().min(0),
  /** 0..1: the share of each delay that is randomised, so retries of a burst spread out. */
  jitter: z.number().min(0).max(1),
});
export type RetryPolicy = z.infer<typeof RetryPolicy>;

/** 8 attempts over roughly 4 minutes (2 s, 4 s, … 128 s), jittered by up to half. */
export const defaultRetryPolicy: RetryPolicy = { attempts: 8, backoffMs: 2_000, jitter: 0.5 };

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
