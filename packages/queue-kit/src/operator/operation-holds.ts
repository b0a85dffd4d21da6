import { type QueueNames, queueLabel, queueNamesFor, unroutedQueueNames } from "@skyhook/contracts";
import { type BreakerState, readBreakerState } from "../downstream-breaker.ts";
import { recordAudit } from "./audit.ts";
import type { OperatorContext } from "./operations.ts";

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

export async function operationHold(ctx: OperatorContext, queue: string): Promise<OperationHold> {
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

/** The queues of operations, the catch-all aside (no worker takes its jobs anyway). */
async function operationQueues(ctx: OperatorContext): Promise<string[]> {
  const names: readonly QueueNames[] = await ctx.queueNames();
  return names.map((n) => n.queue).filter((q) => q !== unroutedQueueNames.queue);
}

/** Every operation queue's hold. */
export async function operationHolds(ctx: OperatorContext): Promise<OperationHold[]> {
  return Promise.all((await operationQueues(ctx)).map((queue) => operationHold(ctx, queue)));
}

/** The operation's part of a queue label (`flight-cancelled`), as contracts slugs it. */
const operationPart = (operation: string) =>
  queueLabel(queueNamesFor("_", operation).queue).split(".")[1];

export type OperationQueue =
  | { ok: true; queue: string }
  | { ok: false; reason: "unknown_operation" | "ambiguous_operation"; message: string };

/**
 * The queue an operator names — `EVENT_TYPE/OPERATION`, a queue label
 * (`pnr-v3.flight-cancelled`), or an operation alone when one event type has it — for the CLI
 * and the dashboard alike, so both accept the same names. Only queues Skyhook knows count.
 */
export async function operationQueueOf(
  ctx: OperatorContext,
  named: string,
): Promise<OperationQueue> {
  const known = await operationQueues(ctx);
  const slash = named.indexOf("/");
  const candidates =
    slash > 0
      ? [queueNamesFor(named.slice(0, slash), named.slice(slash + 1)).queue]
      : named.includes(".")
        ? [`{${queueLabel(named)}}`]
        : known.filter((q) => queueLabel(q).split(".")[1] === operationPart(named));
  const found = candidates.filter((q) => known.includes(q));
  if (found.length === 1 && found[0] !== undefined) return { ok: true, queue: found[0] };
  return found.length > 1
    ? {
        ok: false,
        reason: "ambiguous_operation",
        message: `${named} names several operations (${found.map(queueLabel).join(", ")}); write EVENT_TYPE/OPERATION`,
      }
    : {
        ok: false,
        reason: "unknown_operation",
        message: `no operation queue ${named}; the operations are: ${known.map(queueLabel).join(", ")}`,
      };
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * One line an on-call engineer reads: is it taking jobs, and if not, why and until when. The
 * words of `skyhook status` and of the dashboard's operator page.
 */
export function describeHold(hold: OperationHold, nowMs: number): string {
  if (hold.paused !== undefined)
    return `paused by ${hold.paused.actor} at ${hold.paused.at}: ${hold.paused.reason}`;
  if (hold.breaker.state === "open" && hold.breaker.untilMs > nowMs)
    return `held: downstream unavailable since ${iso(hold.breaker.openedAtMs)}, next probe at ${iso(hold.breaker.untilMs)}`;
  if (hold.breaker.state === "open")
    return `probing: downstream unavailable since ${iso(hold.breaker.openedAtMs)}`;
  return hold.breaker.failures > 0
    ? `running (${hold.breaker.failures} failure(s) in a row)`
    : "running";
}

/**
 * Pauses an operation by hand (vendor maintenance, say): its queue keeps every event and no
 * worker takes one until it is resumed — also across worker restarts, since the pause lives in
 * Redis. Jobs already running finish. Audited.
 */
export async function pauseOperation(
  ctx: OperatorContext,
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
  ctx: OperatorContext,
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

/** Whether an operation takes its jobs: paused by hand, held behind its breaker, or probing. */
export type HoldCondition = "running" | "paused" | "held" | "probing";

/** An operation's hold as `skyhook status --json` prints it and the dashboard's ops API serves it. */
export type HoldReport = OperationHold & {
  /** The queue's label (`pnr-v3.flight-cancelled`), a name `operationQueueOf` accepts. */
  label: string;
  condition: HoldCondition;
  /** The condition in words: `describeHold`. */
  state: string;
  held: boolean;
  /** Of the waiting jobs, those held (all of them while paused or held, else none). */
  heldJobs: number;
};

export function holdReport(hold: OperationHold, nowMs: number): HoldReport {
  const held = isHeld(hold, nowMs);
  const condition: HoldCondition =
    hold.paused !== undefined
      ? "paused"
      : hold.breaker.state !== "open"
        ? "running"
        : held
          ? "held"
          : "probing";
  return {
    ...hold,
    label: queueLabel(hold.queue),
    condition,
    state: describeHold(hold, nowMs),
    held,
    heldJobs: held ? hold.waiting : 0,
  };
}
