import { unroutedQueueNames } from "@skyhook/contracts";
import type { MemoryReading } from "@skyhook/queue-kit";

/** Why deliveries are refused: Redis near its memory limit, or the target queue's backlog. */
export const shedReasons = ["redis_memory", "backlog", "catch_all_full"] as const;
export type ShedReason = (typeof shedReasons)[number];

/**
 * Once shedding, a reading must fall to this share of its limit before deliveries are taken
 * again, so a value hovering at the limit does not flip the state (and its log line) on every
 * sample.
 */
export const resumeShare = 0.95;

export type ShedLimits = {
  memoryRatio: number;
  memoryBytesWhenUnlimited: number | undefined;
  backlogBudget(queue: string): number;
};

/** A master's memory against the point where the ingress sheds. */
export type MemoryUse = { node: string; usedBytes: number; limitBytes: number };

/** What the last sample decided; the delivery path only ever reads it. */
export type ShedState = {
  /** The fullest master, when one is over its limit (then every delivery is refused). */
  memory: MemoryUse | undefined;
  /** Used ÷ limit of the fullest master (1: shedding starts); undefined when none has a limit. */
  memoryShare: number | undefined;
  /** The queues whose backlog is over their budget. */
  queues: ReadonlyMap<string, { backlog: number; budget: number }>;
};

export const calmState: ShedState = {
  memory: undefined,
  memoryShare: undefined,
  queues: new Map(),
};

export type ShedSample = {
  /** Every master's memory; undefined when it could not be read. */
  memory: readonly MemoryReading[] | undefined;
  /** Jobs waiting (waiting, prioritized, delayed) per queue that could be read. */
  backlogs: ReadonlyMap<string, number>;
};

const isOver = (was: boolean, value: number, limit: number) =>
  value >= (was ? limit * resumeShare : limit);

/**
 * The state after `sample`. A master without `maxmemory` is judged against the configured
 * byte budget, or not at all without one: Redis then never refuses a write, and the host's
 * memory is not something the ingress can read. What the sample could not read keeps its last
 * decision.
 */
export function nextShedState(prev: ShedState, sample: ShedSample, limits: ShedLimits): ShedState {
  const queues = new Map<string, { backlog: number; budget: number }>();
  for (const [queue, over] of prev.queues) if (!sample.backlogs.has(queue)) queues.set(queue, over);
  for (const [queue, backlog] of sample.backlogs) {
    const budget = limits.backlogBudget(queue);
    if (isOver(prev.queues.has(queue), backlog, budget)) queues.set(queue, { backlog, budget });
  }
  if (sample.memory === undefined) return { ...prev, queues };
  const uses = sample.memory.flatMap((r): MemoryUse[] => {
    const limitBytes =
      r.maxBytes > 0 ? r.maxBytes * limits.memoryRatio : limits.memoryBytesWhenUnlimited;
    return limitBytes === undefined ? [] : [{ node: r.node, usedBytes: r.usedBytes, limitBytes }];
  });
  const share = (u: MemoryUse) => u.usedBytes / u.limitBytes;
  const fullest = uses.reduce<MemoryUse | undefined>(
    (top, u) => (top === undefined || share(u) > share(top) ? u : top),
    undefined,
  );
  const memoryOver =
    fullest !== undefined &&
    isOver(prev.memory !== undefined, fullest.usedBytes, fullest.limitBytes);
  return {
    memory: memoryOver ? fullest : undefined,
    memoryShare: fullest === undefined ? undefined : share(fullest),
    queues,
  };
}

/** The reason a queue over its budget is refused for: the catch-all's bound is its own. */
export const backlogReasonOf = (queue: string): ShedReason =>
  queue === unroutedQueueNames.queue ? "catch_all_full" : "backlog";

/** Why a delivery to `queue` must be refused in `state`, or undefined: a lookup, no I/O. */
export function shedReasonOf(state: ShedState, queue: string): ShedReason | undefined {
  if (state.memory !== undefined) return "redis_memory";
  return state.queues.has(queue) ? backlogReasonOf(queue) : undefined;
}

/** Whether deliveries are being refused for `reason` (to any queue). */
export function isShedding(state: ShedState, reason: ShedReason): boolean {
  if (reason === "redis_memory") return state.memory !== undefined;
  return [...state.queues.keys()].some((queue) => backlogReasonOf(queue) === reason);
}
