import type { Context, Span } from "@opentelemetry/api";
import type { DeadLetterReason, EntityOrder, EventJob } from "@skyhook/contracts";
import type { EntityLock } from "./entity-guard.ts";

/**
 * What becomes of one run of a job: decided by `decideFate` (decide-fate.ts) from plain values,
 * carried out by `applyFate` (apply-fate.ts), the only code that speaks to BullMQ about it, and
 * observed by the outcome log, the metrics and the span (fate-observers.ts). Adding a kind is
 * one case in the applier and one in each observer; the compiler finds every switch to extend.
 */
export type Fate =
  /** The handler succeeded: counted in the ledger (by `event`'s key), then completed. */
  | { kind: "applied"; event: EventJob }
  /**
   * Counted completed before its worker stopped (BullMQ's stalled check handed it out again):
   * completed as it was, not run again.
   */
  | { kind: "applied-before" }
  /** Older than what its entity has applied: kept whole in the `.stale` queue; the job completes. */
  | { kind: "stale"; event: EventJob; order: EntityOrder; newest: EntityOrder }
  /**
   * The handler failed and the event may still be retried: `error` goes back to BullMQ, which
   * retries after the backoff of the job's retry policy (doubling to its cap, with jitter) and
   * spends an attempt. The failure counts towards the downstream's breaker.
   */
  | { kind: "retry"; error: unknown; why: string }
  /**
   * The downstream is unavailable: the handler said so (`DownstreamUnavailable`, with the
   * downstream's `Retry-After` if any: the breaker opens, and decides the hold), or its breaker
   * is open and this run may not probe (`holdMs` left). The operation's whole queue is held
   * that long, in every process, and the job goes back to it: no attempt is spent.
   */
  | { kind: "held"; why: string; by: "downstream"; retryAfterMs: number | undefined }
  | { kind: "held"; why: string; by: "breaker"; holdMs: number }
  /**
   * Kept in the dead-letter queue, then failed for good. `thrown` is what BullMQ gets: the
   * handler's own error on its last attempt (the failed set keeps its stack), otherwise an
   * UnrecoverableError carrying `error`.
   */
  | { kind: "dead-letter"; reason: DeadLetterReason; error: string; thrown?: unknown }
  /** Another run holds its entity: back to the queue after `delayMs`, no attempt spent. */
  | { kind: "busy"; entity: string; delayMs: number }
  /** Shutdown interrupted its handler: back to the queue at once, no attempt spent. */
  | { kind: "interrupted" };

export type FateKind = Fate["kind"];

/** One run of a job, as the decision and the observers see it: no BullMQ object in it. */
export type JobRun = {
  queue: string;
  jobId: string;
  /** The job's data as stored: unknown until read. */
  data: unknown;
  /** 1 on the first run. */
  attempt: number;
  /** The job's `attempts` option: a failure on this attempt dead-letters the event. */
  maxAttempts: number;
  /**
   * How long after its receipt an event may still be retried (its retry policy's horizon): a
   * failure whose next retry would come later dead-letters it.
   */
  retryHorizonMs: number;
  /** The longest delay before the next retry, should this run fail. */
  nextRetryDelayMs: number;
  /** BullMQ's stalled check handed it out again after its worker stopped. */
  stalled: boolean;
  /** Whether it can go back to its queue without spending an attempt (BullMQ's lock token is held). */
  canPutBack: boolean;
  startedMs: number;
  /** The consumer span of this run, and the context the handler's span continues. */
  span: Span;
  context: Context;
};

/** The entity an event holds while it runs, and its place in the entity's history. */
export type EntityHold = { lock: EntityLock; order: EntityOrder };

/** What the decision hands the applier: the fate, the event when it could be read, the hold. */
export type Decision = {
  fate: Fate;
  event: EventJob | undefined;
  /** Released by the applier, with or without recording the position, whatever the fate. */
  hold: EntityHold | undefined;
};
