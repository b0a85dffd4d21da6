import { queueLabel } from "@skyhook/contracts";
import {
  type Metrics,
  type QueuePool,
  type RedisClient,
  readRedisMemory,
  registerShedMetrics,
  withTimeout,
} from "@skyhook/queue-kit";
import type { Logger } from "pino";
import type { ShedBudgets } from "../bounds-config.ts";
import { IngressError } from "../errors.ts";
import {
  backlogReasonOf,
  calmState,
  isShedding,
  nextShedState,
  type ShedReason,
  type ShedState,
  shedReasonOf,
  shedReasons,
} from "./shed-state.ts";

export type Refusal = { reason: ShedReason; retryAfterSec: number };

export type BackPressure = {
  /**
   * Why a delivery to `queue` must be refused now, or undefined. A lookup in what the last
   * sample decided: no I/O on the delivery path. A refusal returned is counted as shed.
   */
  refusal(queue: string): Refusal | undefined;
  /** Stops sampling and waits for a sample under way. */
  close(): Promise<void>;
};

const heldStates = ["waiting", "prioritized", "delayed"] as const;

/** Each change of what is shed is logged once, as it happens: never per request. */
function logShedChanges(
  logger: Logger,
  budgets: ShedBudgets,
  prev: ShedState,
  next: ShedState,
): void {
  if (prev.memory === undefined && next.memory !== undefined)
    logger.warn(
      { reason: "redis_memory", ...next.memory, ratio: budgets.memoryRatio },
      "shedding every delivery: Redis memory over budget",
    );
  if (prev.memory !== undefined && next.memory === undefined)
    logger.info({ reason: "redis_memory" }, "no longer shedding: Redis memory under budget");
  for (const [queue, over] of next.queues) {
    if (!prev.queues.has(queue))
      logger.warn(
        { reason: backlogReasonOf(queue), queue: queueLabel(queue), ...over },
        "shedding deliveries to a queue: backlog over budget",
      );
  }
  for (const queue of prev.queues.keys()) {
    if (!next.queues.has(queue))
      logger.info({ queue: queueLabel(queue) }, "no longer shedding a queue: backlog under budget");
  }
}

/**
 * Refuses deliveries with 503 + Retry-After before Redis refuses writes: when a master's used
 * memory passes its share of `maxmemory`, or when a queue's backlog passes its budget (the
 * catch-all's budget is its count bound). Redis is sampled on a timer — every master's
 * `INFO memory`, and the backlog of each queue deliveries went to — and the decision is kept
 * in memory. What a sample cannot read keeps its last decision: Redis away is answered by the
 * enqueue's own 503. State changes are logged once each, never per request.
 */
export function createBackPressure(options: {
  redis: RedisClient;
  queues: QueuePool;
  budgets: ShedBudgets;
  logger: Logger;
  registry: Metrics["registry"];
}): BackPressure {
  const { budgets, logger } = options;
  let state: ShedState = calmState;
  let failing = false;
  // Only queues deliveries were routed to can be refused, so only they are read.
  const watched = new Set<string>();

  const metrics = registerShedMetrics(options.registry, shedReasons, {
    shedding: (reason) => isShedding(state, reason),
    memoryShare: () => state.memoryShare,
  });

  // BullMQ's reads wait for a connection that is down: a deadline bounds each read.
  const deadlineMs = Math.max(budgets.sampleMs, 1_000);
  const failures: unknown[] = [];
  const read = async <T>(work: Promise<T>): Promise<T | undefined> => {
    try {
      return await withTimeout(work, deadlineMs, "Redis");
    } catch (err) {
      failures.push(err);
      return undefined;
    }
  };

  /** Each part on its own: one queue that cannot be read does not blind the others. */
  const sample = async () => {
    failures.length = 0;
    const backlogs = new Map<string, number>();
    const readBacklog = async (queue: string) => {
      const counts = await read(options.queues.get(queue).getJobCounts(...heldStates));
      if (counts !== undefined)
        backlogs.set(
          queue,
          Object.values(counts).reduce((n, c) => n + c, 0),
        );
    };
    const [memory] = await Promise.all([
      read(readRedisMemory(options.redis)),
      Promise.all([...watched].map(readBacklog)),
    ]);
    if (failures.length > 0 && !failing)
      logger.warn(
        { err: failures[0], failed: failures.length },
        "back-pressure: cannot read Redis; keeping the last decision for what was not read",
      );
    if (failures.length === 0 && failing) logger.info("back-pressure: reading Redis again");
    failing = failures.length > 0;
    const next = nextShedState(state, { memory, backlogs }, budgets);
    logShedChanges(logger, budgets, state, next);
    state = next;
  };

  let closed = false;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (closed) return;
    timer = setTimeout(() => {
      running = sample().finally(schedule);
    }, budgets.sampleMs);
    timer.unref();
  };
  schedule();

  return {
    refusal(queue) {
      watched.add(queue);
      const reason = shedReasonOf(state, queue);
      if (reason === undefined) return undefined;
      metrics.countShed(reason);
      return { reason, retryAfterSec: budgets.retryAfterSec };
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      await running;
    },
  };
}

const refusalMessages: Record<ShedReason, string> = {
  redis_memory: "Redis is close to its memory limit; retry later",
  backlog: "this operation's backlog is over its budget; retry later",
  catch_all_full: "the catch-all for events without a handler is full; retry later",
};

/**
 * For the delivery route: throws `503 overloaded` with Retry-After and the reason in `details`
 * when the delivery's queue may not take more. Spotnana retries for two weeks: nothing is lost.
 */
export function overloadGuard(backPressure: BackPressure | undefined): (queue: string) => void {
  if (backPressure === undefined) return () => undefined;
  return (queue) => {
    const refused = backPressure.refusal(queue);
    if (refused === undefined) return;
    throw new IngressError(
      "overloaded",
      refusalMessages[refused.reason],
      { reason: refused.reason },
      { retryAfterSec: refused.retryAfterSec },
    );
  };
}
