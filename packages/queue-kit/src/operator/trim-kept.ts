import type { RedisClient } from "../connections.ts";
import type { KeyNames } from "../keys.ts";
import type { Ledger } from "../ledger.ts";
import type { TrimReason } from "../outcome.ts";
import type { QueuePool } from "../queue-pool.ts";
import { countedInLedger, type Holder, toKept } from "./kept-event.ts";
import { keptJournalFields } from "./kept-journal.ts";

/** How many events one kept queue may hold, and for how long. No `maxCount`: age only. */
export type KeptBound = { maxCount?: number | undefined; maxAgeSec: number };

export type TrimContext = { redis: RedisClient; keys: KeyNames; queues: QueuePool; ledger: Ledger };

/** Kept queues are never consumed: what they hold waits in these states. */
const heldStates = ["waiting", "prioritized", "delayed"] as const;
/** Ids (and timestamps) read per round; the jobs themselves are read one at a time. */
const batchSize = 200;

/** The oldest held jobs of `heldIn`, oldest first, by the time they were kept. */
async function oldestHeld(ctx: TrimContext, heldIn: string) {
  const ids = await ctx.queues.get(heldIn).getRanges([...heldStates], 0, batchSize - 1, true);
  if (ids.length === 0) return [];
  // One queue's keys share its hash tag: one pipeline, one Cluster slot.
  const pipeline = ctx.redis.pipeline();
  for (const id of ids) pipeline.hget(ctx.keys.job(heldIn, id), "timestamp");
  const replies = (await pipeline.exec()) ?? [];
  return ids
    .flatMap((id, i) => {
      const [err, raw] = replies[i] ?? [null, null];
      const keptAtMs = Number(raw);
      return err === null && typeof raw === "string" && Number.isFinite(keptAtMs)
        ? [{ id, keptAtMs }]
        : [];
    })
    .sort((a, b) => a.keptAtMs - b.keptAtMs);
}

/**
 * Removes one kept job, counting its event in the ledger as trimmed first (the count is marked
 * in the job's own hash, so a crash between count and removal never counts twice). The job is
 * read alone: a kept event can be as large as the body limit, so never a page of them at once.
 * - `trimmed`: this call trimmed it;
 * - `removed`: another sweeper or a purge counted it first; removed all the same (it is
 *   leaving, and counted by that one);
 * - `left`: a move is taking it elsewhere, or was cut short: only that move may finish it, or
 *   the event would be lost while the ledger counts it moved;
 * - `gone`: it was no longer there.
 */
async function trimOne(
  ctx: TrimContext,
  holder: Holder,
  jobId: string,
  reason: TrimReason,
): Promise<"trimmed" | "removed" | "left" | "gone"> {
  const queue = ctx.queues.get(holder.heldIn);
  const job = await queue.getJob(jobId);
  if (job === undefined) return "gone";
  // Rejected copies were answered 400, filtered deliveries never queued, and jobs added by hand
  // are no events: none was ever counted as accepted, so none is counted as trimmed.
  const kept = toKept(holder, jobId, job.data);
  const counted = kept?.event === undefined || !countedInLedger(holder.location) ? undefined : kept;
  const why = `${reason} bound of ${holder.heldIn}`;
  const entry = kept === undefined ? undefined : keptJournalFields(kept, kept.eventJobId, why);
  const mine = await ctx.ledger.countTrimmed(
    holder.ledgerQueue,
    holder.heldIn,
    jobId,
    counted,
    entry,
  );
  if (!mine && (await ctx.ledger.isMoving(holder.heldIn, jobId))) return "left";
  await queue.remove(jobId);
  if (holder.location === "catch-all" && kept !== undefined)
    await ctx.redis.srem(ctx.keys.pairIndex(holder.heldIn, kept.eventType, kept.operation), jobId);
  return mine ? "trimmed" : "removed";
}

/**
 * Brings one kept queue within its bound: the oldest events beyond `maxCount`, and every event
 * kept longer than `maxAgeSec`, are removed oldest first and counted (ledger `trimmed`). Runs
 * round by round until the queue is within its bound or a round changes nothing, so a flood of
 * dead letters cannot outrun it. Safe beside another sweeper, a replay or a purge: each event
 * leaves its queue once in the ledger, whoever removes it. Counts go into `options.trimmed` as
 * they are made, so a caller knows what was done even when Redis fails halfway; `signal` stops
 * it between two events (a shutdown).
 */
export async function trimKept(
  ctx: TrimContext,
  holder: Holder,
  bound: KeptBound,
  options: { nowMs: number; signal?: AbortSignal; trimmed?: Record<TrimReason, number> },
): Promise<Record<TrimReason, number>> {
  const trimmed = options.trimmed ?? { count: 0, age: 0 };
  const queue = ctx.queues.get(holder.heldIn);
  const cutoffMs = options.nowMs - bound.maxAgeSec * 1000;
  const left = new Set<string>();
  for (;;) {
    const counts = await queue.getJobCounts(...heldStates);
    const held = Object.values(counts).reduce((n, c) => n + c, 0);
    let excess = bound.maxCount === undefined ? 0 : Math.max(0, held - bound.maxCount);
    const oldest = await oldestHeld(ctx, holder.heldIn);
    let progressed = false;
    let reachedKept = false;
    for (const job of oldest) {
      if (left.has(job.id)) continue;
      const reason: TrimReason | undefined =
        excess > 0 ? "count" : job.keptAtMs < cutoffMs ? "age" : undefined;
      // Oldest first: once one may stay, every younger one may too.
      if (reason === undefined || options.signal?.aborted === true) {
        reachedKept = true;
        break;
      }
      const fate = await trimOne(ctx, holder, job.id, reason);
      if (fate === "left") {
        left.add(job.id);
        continue;
      }
      progressed = true;
      if (reason === "count") excess -= 1;
      if (fate === "trimmed") trimmed[reason] += 1;
    }
    if (reachedKept || !progressed || oldest.length < batchSize) return trimmed;
  }
}
