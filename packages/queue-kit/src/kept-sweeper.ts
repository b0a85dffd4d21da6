import { randomUUID } from "node:crypto";
import { type QueueNames, queueLabel } from "@skyhook/contracts";
import type { Logger } from "pino";
import { trimJournals } from "./journal/trim-journal.ts";
import { recordAudit } from "./operator/audit.ts";
import type { Holder, KeptLocation } from "./operator/kept-event.ts";
import { holdersOf } from "./operator/kept-filter.ts";
import { type KeptBound, type TrimContext, trimKept } from "./operator/trim-kept.ts";
import { type OutcomeSink, type TrimOutcome, type TrimReason, trimReasons } from "./outcome.ts";

/** The bound of each kind of kept queue (per queue: each dead-letter queue has its own count). */
export type KeptBounds = Record<KeptLocation, KeptBound>;

export type KeptSweeper = {
  /** Stops the timer, and a sweep under way between two events, and waits for it. */
  close(): Promise<void>;
};

const allLocations: KeptLocation[] = ["dead-letter", "stale", "catch-all", "rejected", "filtered"];

/**
 * Every `intervalMs`, the one process holding the sweep lock for that interval (a Redis key
 * with the interval as TTL, so one replica of several sweeps, and a dead one's turn passes)
 * trims each kept queue to its bound. Nothing consumes kept queues, so BullMQ's own retention
 * never applies to them; without this they grow until Redis, running `noeviction`, refuses
 * every write. Each trim is counted (ledger `trimmed`, an outcome for metrics), logged and
 * written to the audit trail, since it removes events for good. Then each queue's journal is
 * brought within its size bound (its age bound is kept by every write).
 */
export function createKeptSweeper(options: {
  ctx: TrimContext;
  /** The queues to look in: the catalog's, the announced ones and the catch-all. */
  queueNames: () => Promise<readonly QueueNames[]>;
  bounds: KeptBounds;
  /** Each queue's journal is trimmed to this many entries (about: whole stream nodes go). */
  journalMaxEntries: number;
  intervalMs: number;
  logger: Logger;
  outcomes: OutcomeSink;
  now?: () => Date;
}): KeptSweeper {
  const { ctx, logger } = options;
  const now = options.now ?? (() => new Date());
  const owner = randomUUID();

  const stop = new AbortController();

  /**
   * Counts and logs what one queue's trim removed, even when the trim then failed, and then
   * writes it to the audit trail (which needs Redis, so it comes last).
   */
  const report = async (holder: Holder, bound: KeptBound, trimmed: Record<TrimReason, number>) => {
    const queue = queueLabel(holder.heldIn);
    const outcomes = trimReasons
      .filter((reason) => trimmed[reason] > 0)
      .map(
        (reason): TrimOutcome => ({
          kind: "trim",
          location: holder.location,
          queue: holder.heldIn,
          reason,
          count: trimmed[reason],
        }),
      );
    for (const outcome of outcomes) {
      options.outcomes.record(outcome);
      logger.warn(
        { location: holder.location, queue, reason: outcome.reason, count: outcome.count, bound },
        "kept events trimmed: over their bound, oldest removed for good",
      );
    }
    for (const { reason, count } of outcomes)
      await recordAudit(ctx.redis, ctx.keys, logger, {
        actor: "skyhook-sweeper",
        action: "trim",
        dryRun: false,
        filter: { location: [holder.location], queue, reason, bound },
        matched: count,
        changed: count,
      });
  };

  const trimJournalsToBound = async (queues: readonly QueueNames[]) => {
    const trimmed = await trimJournals(ctx.redis, ctx.keys, queues, options.journalMaxEntries);
    for (const [queue, count] of Object.entries(trimmed))
      logger.info(
        { queue: queueLabel(queue), count, maxEntries: options.journalMaxEntries },
        "journal trimmed to its size bound: it now covers less than its age bound",
      );
  };

  const sweep = async () => {
    const queues = await options.queueNames();
    const holders = holdersOf(queues, { location: allLocations });
    for (const holder of holders) {
      if (stop.signal.aborted) break;
      const bound = options.bounds[holder.location];
      const trimmed = { count: 0, age: 0 };
      try {
        await trimKept(ctx, holder, bound, {
          nowMs: now().getTime(),
          signal: stop.signal,
          trimmed,
        });
      } finally {
        await report(holder, bound, trimmed);
      }
    }
    if (!stop.signal.aborted) await trimJournalsToBound(queues);
  };

  let closed = false;
  let running: Promise<unknown> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let failing = false;
  const tick = async () => {
    try {
      const mine = await ctx.redis.set(ctx.keys.sweepLock(), owner, "PX", options.intervalMs, "NX");
      if (mine === "OK") await sweep();
      failing = false;
    } catch (err) {
      // Once until a sweep succeeds again: a Redis outage must not add a line every interval.
      if (!failing) logger.warn({ err }, "kept-queue sweep failed; trying again every interval");
      failing = true;
    }
  };
  const schedule = () => {
    if (closed) return;
    timer = setTimeout(() => {
      running = tick().finally(schedule);
    }, options.intervalMs);
    timer.unref();
  };
  schedule();

  return {
    async close() {
      closed = true;
      stop.abort();
      clearTimeout(timer);
      await running;
    },
  };
}
