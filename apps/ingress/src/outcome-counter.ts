import type { Redis } from "ioredis";

export type OutcomeCounter = {
  /** Counts an authenticated event that a subscription filter dropped (answered 200). */
  filtered(subscription: string, reason: string): Promise<void>;
};

/**
 * Counters in one Redis hash per outcome, field `<subscription>|<reason>`, so the ledger
 * (accepted = completed + dead + in flight + kept + filtered) can be read from Redis alone.
 */
export function createOutcomeCounter(redis: Redis, prefix: string): OutcomeCounter {
  return {
    async filtered(subscription, reason) {
      await redis.hincrby(`${prefix}:outcomes:filtered`, `${subscription}|${reason}`, 1);
    },
  };
}
