import type { QueueNames } from "@skyhook/contracts";
import { type BreakerState, readBreakerState } from "../downstream-breaker.ts";
import { recordAudit } from "./audit.ts";
import type { OpsContext } from "./operations.ts";

/** Why an operation's queue was paused by hand, and by whom. */
export type PauseNote = { reason: string; actor: string; at: string };

/** Whether an operation's jobs are being taken, and what waits for it. */
export type OperationHold = {
  queue: string;
  /** Paused by an operator: BullMQ's own pause, so no worker of any process takes its jobs. */
  paused: PauseNote | undefined;
  /** The breaker of its downstream (open: held until `untilMs`, one probe at a time). */
  breaker: BreakerState;
  /** Jobs waiting to be taken: held while paused or while the breaker is open. */
  waiting: number;
  /** Jobs waiting for their retry. */
  delayed: number;
  active: number;
};

/** Held: neither paused nor with an open breaker, its waiting jobs are merely queued. */
export const isHeld = (hold: OperationHold, nowMs: number): boolean =>
  hold.paused !== undefined || (hold.breaker.state === "open" && hold.breaker.untilMs > nowMs);

export async function operationHold(ctx: OpsContext, queue: string): Promise<OperationHold> {
  const bull = ctx.queues.get(queue);
  const [paused, note, breaker, counts] = await Promise.all([
    bull.isPaused(),
    ctx.redis.hgetall(ctx.keys.pauseNote(queue)),
    readBreakerState(ctx.redis, ctx.keys, queue),
    bull.getJobCounts("waiting", "prioritized", "delayed", "active"),
  ]);
  return {
    queue,
    paused: paused
      ? {
          reason: note.reason ?? "(no reason recorded)",
          actor: note.actor ?? "(unknown)",
          at: note.at ?? "",
        }
      : undefined,
    breaker,
    waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
    delayed: counts.delayed ?? 0,
    active: counts.active ?? 0,
  };
}

/** Every operation queue's hold, the catch-all aside (no worker takes its jobs anyway). */
export async function operationHolds(ctx: OpsContext): Promise<OperationHold[]> {
  const names: readonly QueueNames[] = await ctx.queueNames();
  return Promise.all(
    names.filter((n) => n.queue !== "{unrouted}").map((n) => operationHold(ctx, n.queue)),
  );
}

/**
 * Pauses an operation by hand (vendor maintenance, say): its queue keeps every event and no
 * worker takes one until it is resumed — also across worker restarts, since the pause lives in
 * Redis. Jobs already running finish. Audited.
 */
export async function pauseOperation(
  ctx: OpsContext,
  queue: string,
  options: { reason: string; actor: string; now?: Date },
): Promise<void> {
  const at = (options.now ?? new Date()).toISOString();
  await ctx.queues.get(queue).pause();
  await ctx.redis.hset(ctx.keys.pauseNote(queue), {
    reason: options.reason,
    actor: options.actor,
    at,
  });
  await recordAudit(ctx.redis, ctx.keys, ctx.logger, {
    actor: options.actor,
    action: "pause",
    dryRun: false,
    filter: { queue, reason: options.reason },
    matched: 1,
    changed: 1,
  });
}

/** Resumes a paused operation; false when it was not paused. Audited. */
export async function resumeOperation(
  ctx: OpsContext,
  queue: string,
  options: { actor: string },
): Promise<boolean> {
  const bull = ctx.queues.get(queue);
  const wasPaused = await bull.isPaused();
  if (wasPaused) await bull.resume();
  await ctx.redis.del(ctx.keys.pauseNote(queue));
  await recordAudit(ctx.redis, ctx.keys, ctx.logger, {
    actor: options.actor,
    action: "resume",
    dryRun: false,
    filter: { queue },
    matched: 1,
    changed: wasPaused ? 1 : 0,
  });
  return wasPaused;
}
