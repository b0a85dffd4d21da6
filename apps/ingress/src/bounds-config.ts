import {
  normalizeEventType,
  normalizeOperation,
  queueNamesFor,
  unroutedQueueNames,
} from "@skyhook/contracts";
import type { KeptBounds } from "@skyhook/queue-kit";
import { envInt, envOptionalInt } from "@skyhook/service-kit";
import { z } from "zod";

const daySec = 24 * 3600;

/** A share in (0, 1]; empty means the default. */
const envRatio = (fallback: number) =>
  z.preprocess(
    (v) => (v === "" || v === undefined ? fallback : v),
    z.coerce.number().gt(0, "must be above 0").max(1, "at most 1 (a share of maxmemory)"),
  );

const budgetEntry = /^([A-Z0-9_]+)\/([A-Z0-9_]+)=(\d+)$/;

/** `EVENT_TYPE/OPERATION=N,…`: an operation's own backlog budget; empty means none. */
const envBudgets = () =>
  z.preprocess(
    (v) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined),
    z
      .string()
      .optional()
      .transform((value, ctx) => {
        const budgets = new Map<string, number>();
        for (const item of (value ?? "").split(",").map((s) => s.trim())) {
          if (item === "") continue;
          const match = budgetEntry.exec(item);
          const budget = Number(match?.[3]);
          if (match?.[1] === undefined || match[2] === undefined || !(budget >= 1)) {
            ctx.addIssue({
              code: "custom",
              message: `"${item}" is not EVENT_TYPE/OPERATION=<jobs ≥ 1>`,
            });
            continue;
          }
          // Spelt as the ingress routes it (FLIGHT_CANCELED is FLIGHT_CANCELLED's queue).
          const queue = queueNamesFor(normalizeEventType(match[1]), normalizeOperation(match[2]));
          budgets.set(queue.queue, budget);
        }
        return budgets;
      }),
  );

/**
 * What bounds Redis: the ingress's budget (refuse deliveries with 503 before Redis fills) and
 * the kept queues' bounds (trimmed by the ingress's sweeper). Sizes are in events per queue.
 */
export const BoundsEnv = z.object({
  SHED_SAMPLE_MS: envInt(1_000, 50),
  SHED_MEMORY_RATIO: envRatio(0.9),
  SHED_MEMORY_BYTES: envOptionalInt(1024 * 1024),
  SHED_RETRY_AFTER_SEC: envInt(30, 1),
  BACKLOG_BUDGET: envInt(100_000, 1),
  BACKLOG_BUDGETS: envBudgets(),
  CATCH_ALL_MAX_COUNT: envInt(100_000, 1),
  CATCH_ALL_MAX_AGE_SEC: envInt(30 * daySec, 1),
  KEPT_MAX_COUNT: envInt(100_000, 1),
  KEPT_MAX_AGE_SEC: envInt(30 * daySec, 1),
  REJECTED_MAX_COUNT: envInt(10_000, 1),
  REJECTED_MAX_AGE_SEC: envInt(14 * daySec, 1),
  FILTERED_MAX_COUNT: envInt(100_000, 1),
  /** Spotnana's retry horizon: as long as a re-send of the delivery could still arrive. */
  FILTERED_MAX_AGE_SEC: envInt(14 * daySec, 1),
  KEPT_SWEEP_MS: envInt(60_000, 100),
});
type BoundsEnv = z.infer<typeof BoundsEnv>;

export type ShedBudgets = {
  /** How often Redis memory and the backlogs are read. */
  sampleMs: number;
  /** Shed once a master's used memory reaches this share of its `maxmemory`. */
  memoryRatio: number;
  /** The budget for a master without `maxmemory`; undefined: memory is not watched there. */
  memoryBytesWhenUnlimited: number | undefined;
  retryAfterSec: number;
  /** The most jobs waiting (waiting, prioritized, delayed) in `queue` before it is refused. */
  backlogBudget(queue: string): number;
};

export type BoundsConfig = {
  shed: ShedBudgets;
  kept: { bounds: KeptBounds; sweepMs: number };
};

export function boundsConfigOf(e: BoundsEnv): BoundsConfig {
  const own = e.BACKLOG_BUDGETS;
  return {
    shed: {
      sampleMs: e.SHED_SAMPLE_MS,
      memoryRatio: e.SHED_MEMORY_RATIO,
      memoryBytesWhenUnlimited: e.SHED_MEMORY_BYTES,
      retryAfterSec: e.SHED_RETRY_AFTER_SEC,
      // The catch-all's count bound is a refusal: trimming it would lose events a future
      // handler adopts, while a refused one is re-sent by Spotnana for two weeks.
      backlogBudget: (queue) =>
        queue === unroutedQueueNames.queue
          ? e.CATCH_ALL_MAX_COUNT
          : (own.get(queue) ?? e.BACKLOG_BUDGET),
    },
    kept: {
      bounds: {
        "dead-letter": { maxCount: e.KEPT_MAX_COUNT, maxAgeSec: e.KEPT_MAX_AGE_SEC },
        stale: { maxCount: e.KEPT_MAX_COUNT, maxAgeSec: e.KEPT_MAX_AGE_SEC },
        "catch-all": { maxAgeSec: e.CATCH_ALL_MAX_AGE_SEC },
        rejected: { maxCount: e.REJECTED_MAX_COUNT, maxAgeSec: e.REJECTED_MAX_AGE_SEC },
        filtered: { maxCount: e.FILTERED_MAX_COUNT, maxAgeSec: e.FILTERED_MAX_AGE_SEC },
      },
      sweepMs: e.KEPT_SWEEP_MS,
    },
  };
}
