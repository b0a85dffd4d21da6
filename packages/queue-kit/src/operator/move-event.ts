import { payloadSchemaFor, type Route, unroutedQueueNames } from "@skyhook/contracts";
import type { RedisClient } from "../connections.ts";
import { replayJobId } from "../job-ids.ts";
import { type EventJobSettings, eventJobOptions, jobNameOf } from "../job-options.ts";
import type { KeyNames } from "../keys.ts";
import type { Ledger } from "../ledger.ts";
import type { QueuePool } from "../queue-pool.ts";
import type { Router } from "../route-registry.ts";
import { countedInLedger, type KeptEvent } from "./kept-event.ts";
import { keptJournalFields } from "./kept-journal.ts";

export type MoveContext = {
  redis: RedisClient;
  keys: KeyNames;
  queues: QueuePool;
  ledger: Ledger;
  /** Where an event's pair routes now; a worker passes its catalog, which knows its own. */
  router: Pick<Router, "route">;
  settings: EventJobSettings;
};

/** Where a kept event would go now, or why it cannot go anywhere yet. */
export type MovePlan =
  | { kind: "move"; route: Route; targetJobId: string }
  | { kind: "no-handler" }
  | { kind: "invalid-payload"; fields: string }
  | { kind: "not-an-event" };

/**
 * The queue an event's (event type, operation) routes to now, and the job id it gets there.
 * An event from the catch-all keeps its delivery's job id, so a re-send from Spotnana is still
 * recognised as a duplicate there; a replayed dead letter, stale or filtered event gets the next
 * `rpN-` id, since its original job may still exist (failed or completed) in that queue. A
 * filtered event nothing handles goes where it would have gone unfiltered: the catch-all, whose
 * events a handler deployed later adopts.
 */
export function planMove(ctx: MoveContext, kept: KeptEvent): MovePlan {
  const { event } = kept;
  if (event === undefined) return { kind: "not-an-event" };
  const route = ctx.router.route(event.eventType, event.operation);
  if (route.queues.queue === unroutedQueueNames.queue) {
    return kept.location === "filtered"
      ? { kind: "move", route, targetJobId: replayJobId(kept.eventJobId) }
      : { kind: "no-handler" };
  }
  const schema = route.spec?.payload ?? payloadSchemaFor(event.eventType, event.operation);
  const checked = schema?.safeParse(event.envelope.payload);
  if (checked !== undefined && !checked.success) {
    const fields = checked.error.issues.map((i) => `payload.${i.path.join(".")}`).join(", ");
    return { kind: "invalid-payload", fields };
  }
  const targetJobId =
    kept.location === "catch-all" ? kept.eventJobId : replayJobId(kept.eventJobId);
  return { kind: "move", route, targetJobId };
}

/**
 * Moves one kept event to its route's queue. Each step is idempotent, so a move cut short by a
 * crash is completed by running it again, and running it twice moves once: the add carries a
 * deduplication id with the TTL of delivery dedup (a re-add after the job finished and was
 * removed is still refused); the ledger counts are marked in the jobs' own hashes; removing
 * an already removed job does nothing. Returns false when the kept job was already gone, or
 * leaving another way (purged, trimmed). The journal records the move as `how` (an operator's
 * replay, or a worker adopting its backlog) with the count of its leaving.
 */
export async function moveEvent(
  ctx: MoveContext,
  kept: KeptEvent,
  plan: Extract<MovePlan, { kind: "move" }>,
  how: "replayed" | "adopted" = "replayed",
): Promise<boolean> {
  const holder = ctx.queues.get(kept.heldIn);
  const job = await holder.getJob(kept.jobId);
  if (job === undefined || kept.event === undefined) {
    if (kept.location === "catch-all") await dropFromPairIndex(ctx, kept);
    return false;
  }
  const target = plan.route.queues.queue;
  // The way out is claimed before the event is added anywhere: a purge or a trim of the same
  // event meanwhile then counts nothing, and a move that lost to one moves nothing. A dead
  // letter going back to its own queue stays in one ledger: its job is only marked. A filtered
  // delivery was never counted, so it is counted moved in even into its own queue.
  const sameLedger = target === kept.ledgerQueue && countedInLedger(kept.location);
  const claimed = await ctx.ledger.countMovedOut(
    kept.ledgerQueue,
    kept.heldIn,
    kept.jobId,
    sameLedger || !countedInLedger(kept.location) ? undefined : kept.event,
    {
      outcome: how,
      fields: keptJournalFields(
        kept,
        plan.targetJobId,
        `from ${kept.location} ${kept.jobId} to ${target}`,
      ),
    },
  );
  // Not claimed now but marked moving: this move ran before (cut short) or runs beside another.
  if (!claimed && !(await ctx.ledger.isMoving(kept.heldIn, kept.jobId))) return false;
  await ctx.queues
    .get(target)
    .add(
      jobNameOf(kept.event),
      kept.event,
      eventJobOptions(plan.route, plan.targetJobId, ctx.settings),
    );
  if (!sameLedger) await ctx.ledger.countMovedIn(target, plan.targetJobId, kept.event);
  // Into the catch-all (a filtered event nothing handles): indexed, as the ingress indexes it.
  if (target === unroutedQueueNames.queue) {
    const { eventType, operation } = kept.event;
    await ctx.redis.sadd(ctx.keys.pairIndex(target, eventType, operation), plan.targetJobId);
  }
  await job.remove();
  if (kept.location === "catch-all") await dropFromPairIndex(ctx, kept);
  return true;
}

async function dropFromPairIndex(ctx: MoveContext, kept: KeptEvent): Promise<void> {
  await ctx.redis.srem(ctx.keys.pairIndex(kept.heldIn, kept.eventType, kept.operation), kept.jobId);
}
