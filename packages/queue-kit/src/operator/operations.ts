import { type QueueNames, unroutedQueueNames } from "@skyhook/contracts";
import type { Logger } from "pino";
import type { JournalFields } from "../journal/entry.ts";
import type { OutcomeSink } from "../outcome.ts";
import { recordAudit } from "./audit.ts";
import { countedInLedger, type KeptEvent, toKept } from "./kept-event.ts";
import { keptEvents } from "./kept-events.ts";
import type { KeptFilter } from "./kept-filter.ts";
import { keptJournalFields } from "./kept-journal.ts";
import { type MoveContext, type MovePlan, moveEvent, planMove } from "./move-event.ts";

export type OperatorContext = MoveContext & {
  logger: Logger;
  outcomes?: OutcomeSink;
  /** The queues to look in: the catalog's, the announced ones and the catch-all. */
  queueNames: () => Promise<readonly QueueNames[]>;
};

/** What adopting a backlog needs: moving events, and saying that it did. */
export type AdoptContext = MoveContext & Pick<OperatorContext, "logger" | "outcomes">;

/** A kept event without its payload: what listings and reports show. */
export type KeptSummary = Omit<KeptEvent, "event"> & {
  deliveryId: string | undefined;
  pnrId: string | undefined;
  organizationId: string | undefined;
};

export const summarize = ({ event, ...rest }: KeptEvent): KeptSummary => ({
  ...rest,
  deliveryId: event?.deliveryId,
  pnrId: event?.keys.pnrId,
  organizationId: event?.keys.organizationId,
});

export async function inspectKept(
  ctx: OperatorContext,
  filter: KeptFilter,
): Promise<KeptSummary[]> {
  const found: KeptSummary[] = [];
  for await (const kept of keptEvents(ctx.queues, await ctx.queueNames(), filter)) {
    found.push(summarize(kept));
  }
  return found;
}

export type ReplayReport = {
  dryRun: boolean;
  matched: number;
  /** Moved (or, in a dry run, would move), by target queue. */
  moved: Record<string, number>;
  /** Already gone when its turn came (replayed by someone else meanwhile). */
  vanished: number;
  noHandler: KeptSummary[];
  invalidPayload: Array<KeptSummary & { fields: string }>;
  notAnEvent: KeptSummary[];
};

export type Progress = (done: number, total: number) => void;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Spaces work out to at most `perSec` items a second, so a bulk replay leaves room for live traffic. */
function pacer(perSec: number) {
  const intervalMs = 1000 / perSec;
  let next = Date.now();
  return async () => {
    const wait = next - Date.now();
    if (wait > 0) await sleep(wait);
    next = Math.max(next, Date.now()) + intervalMs;
  };
}

/**
 * Sends every kept event matching `filter` back to the queue its (event type, operation) routes
 * to now. Events keep their delivery id, envelope and timestamps, and meet the worker's ordering
 * guard and deduplication like any delivery. A dry run reports what would move where, and what
 * still has no handler or still fails its schema, and moves nothing.
 */
export async function replayKept(
  ctx: OperatorContext,
  filter: KeptFilter,
  options: { dryRun: boolean; ratePerSec: number; actor: string; onProgress?: Progress },
): Promise<ReplayReport> {
  const report: ReplayReport = {
    dryRun: options.dryRun,
    matched: 0,
    moved: {},
    vanished: 0,
    noHandler: [],
    invalidPayload: [],
    notAnEvent: [],
  };
  const planned: Array<{ kept: KeptEvent; plan: Extract<MovePlan, { kind: "move" }> }> = [];
  for await (const kept of keptEvents(ctx.queues, await ctx.queueNames(), filter)) {
    report.matched += 1;
    const plan = planMove(ctx, kept);
    if (plan.kind === "no-handler") report.noHandler.push(summarize(kept));
    else if (plan.kind === "invalid-payload")
      report.invalidPayload.push({ ...summarize(kept), fields: plan.fields });
    else if (plan.kind === "not-an-event") report.notAnEvent.push(summarize(kept));
    else {
      // Keep only what the move needs; the payload is read again from Redis when it moves.
      planned.push({ kept: { ...kept, event: undefined }, plan });
      const target = plan.route.queues.queue;
      if (options.dryRun) report.moved[target] = (report.moved[target] ?? 0) + 1;
    }
  }
  if (!options.dryRun) {
    const pace = pacer(options.ratePerSec);
    let done = 0;
    for (const { kept, plan } of planned) {
      await pace();
      const fresh = await ctx.queues.get(kept.heldIn).getJob(kept.jobId);
      const again = fresh === undefined ? undefined : toKept(kept, kept.jobId, fresh.data);
      const moved = again !== undefined && (await moveEvent(ctx, again, plan));
      const target = plan.route.queues.queue;
      if (moved) report.moved[target] = (report.moved[target] ?? 0) + 1;
      else report.vanished += 1;
      done += 1;
      options.onProgress?.(done, planned.length);
    }
    for (const [to, count] of Object.entries(report.moved)) {
      ctx.outcomes?.record({ kind: "move", outcome: "replayed", from: "kept", to, count });
    }
  }
  await recordAudit(ctx.redis, ctx.keys, ctx.logger, {
    actor: options.actor,
    action: "replay",
    dryRun: options.dryRun,
    filter,
    matched: report.matched,
    changed: Object.values(report.moved).reduce((n, c) => n + c, 0),
  });
  return report;
}

export type PurgeReport = { matched: number; purged: number };

/** Deletes kept events for good, counting each in the ledger so it still balances. */
export async function purgeKept(
  ctx: OperatorContext,
  filter: KeptFilter,
  options: { actor: string; onProgress?: Progress },
): Promise<PurgeReport> {
  const found: Array<KeptEvent & { isEvent: boolean; entry: JournalFields }> = [];
  for await (const kept of keptEvents(ctx.queues, await ctx.queueNames(), filter)) {
    // The journal entry's ids, not the payload: a purge may match many large events.
    const entry = keptJournalFields(kept, kept.eventJobId, `purged from ${kept.heldIn}`);
    found.push({ ...kept, event: undefined, isEvent: kept.event !== undefined, entry });
  }
  let purged = 0;
  for (const kept of found) {
    const job = await ctx.queues.get(kept.heldIn).getJob(kept.jobId);
    // A replay or adoption is moving it (or was cut short, and is finished by running it
    // again): removing it here could lose the event while the ledger counts it moved.
    const moving = job !== undefined && (await ctx.ledger.isMoving(kept.heldIn, kept.jobId));
    if (job !== undefined && !moving) {
      // A dead letter that was never an event, a rejected copy and a filtered delivery were
      // never counted as accepted: the purge is only marked (and journaled), nothing to balance.
      const counted = kept.isEvent && countedInLedger(kept.location) ? kept : undefined;
      await ctx.ledger.countPurged(kept.ledgerQueue, kept.heldIn, kept.jobId, counted, kept.entry);
      await job.remove();
      purged += 1;
    }
    if (kept.location === "catch-all") {
      await ctx.redis.srem(
        ctx.keys.pairIndex(kept.heldIn, kept.eventType, kept.operation),
        kept.jobId,
      );
    }
    options.onProgress?.(purged, found.length);
  }
  ctx.outcomes?.record({ kind: "move", outcome: "purged", from: "kept", count: purged });
  await recordAudit(ctx.redis, ctx.keys, ctx.logger, {
    actor: options.actor,
    action: "purge",
    dryRun: false,
    filter,
    matched: found.length,
    changed: purged,
  });
  return { matched: found.length, purged };
}

/**
 * A worker that handles (event type, operation) takes over the events of that pair waiting in
 * the catch-all, found through the pair index the ingress keeps. Idempotent: several replicas
 * adopting at once move each event once. Returns how many moved.
 */
export async function adoptBacklog(
  ctx: AdoptContext,
  pairs: ReadonlyArray<{ eventType: string; operation: string }>,
  options: { ratePerSec: number },
): Promise<number> {
  const catchAll = unroutedQueueNames.queue;
  const holder = { location: "catch-all" as const, heldIn: catchAll, ledgerQueue: catchAll };
  const pace = pacer(options.ratePerSec);
  let adopted = 0;
  for (const pair of pairs) {
    const index = ctx.keys.pairIndex(catchAll, pair.eventType, pair.operation);
    let cursor = "0";
    do {
      const [next, ids] = await ctx.redis.sscan(index, cursor, "COUNT", 200);
      cursor = next;
      for (const jobId of ids) {
        await pace();
        const job = await ctx.queues.get(catchAll).getJob(jobId);
        const kept = job === undefined ? undefined : toKept(holder, jobId, job.data);
        if (kept === undefined) {
          await ctx.redis.srem(index, jobId);
          continue;
        }
        const plan = planMove(ctx, kept);
        if (plan.kind !== "move") continue;
        if (await moveEvent(ctx, kept, plan, "adopted")) adopted += 1;
      }
    } while (cursor !== "0");
  }
  if (adopted > 0) {
    ctx.outcomes?.record({ kind: "move", outcome: "adopted", from: catchAll, count: adopted });
    await recordAudit(ctx.redis, ctx.keys, ctx.logger, {
      actor: "worker",
      action: "adopt",
      dryRun: false,
      filter: pairs,
      matched: adopted,
      changed: adopted,
    });
  }
  return adopted;
}
