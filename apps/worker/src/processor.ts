import { type Context, type Span, SpanKind, trace } from "@opentelemetry/api";
import type { DeadLetterReason } from "@skyhook/contracts";
import {
  type EntityOrder,
  EventJob,
  entityOrderOf,
  isOlder,
  type OperationSpec,
  timestampMsOf,
} from "@skyhook/contracts";
import { type Handler, type HandlerEvent, PermanentError } from "@skyhook/handler-kit";
import {
  spanAttributes as attr,
  type DeadLetterWriter,
  describeError,
  type JobOutcome,
  type Ledger,
  markSpanFailed,
  messagingSystem,
  type OutcomeSink,
  type StaleWriter,
  type Tracing,
} from "@skyhook/queue-kit";
import { DelayedError, type Job, UnrecoverableError } from "bullmq";
import type { Logger } from "pino";
import type { EntityGuard } from "./entity-guard.ts";
import { deliveryContextOf, traceHeadersOf } from "./job-trace.ts";

export type ProcessorOptions<D> = {
  spec: OperationSpec;
  handler: Handler<D>;
  deps: D;
  deadLetters: DeadLetterWriter;
  staleEvents: StaleWriter;
  entities: EntityGuard;
  ledger: Ledger;
  outcomes: OutcomeSink;
  logger: Logger;
  /** Aborted when the worker's shutdown grace period runs out. */
  shutdown: AbortSignal;
  /** How long a job whose entity is busy waits before it is tried again. */
  entityBusyDelayMs: number;
  /** A consumer span per job run and a span around the handler; no-op when tracing is off. */
  tracing: Tracing;
  now?: () => Date;
};

/** The error's name: a bounded label for `error.type`, unlike its message. */
const errorTypeOf = (err: unknown) => (err instanceof Error ? err.name : typeof err);

/**
 * Runs one job through its handler and decides its fate: done; skipped as stale (kept in the
 * `.stale` queue); retried (BullMQ re-runs it after backoff); dead-lettered (bad data, a
 * permanent error, or the last attempt failed); or put back untouched when its entity is busy
 * or shutdown interrupts it. Dead-lettering happens before the job is failed, so a crash in
 * between leaves a job that re-runs, never one that is lost. Each fate is recorded once in
 * the outcome sink; a success is counted in the ledger before BullMQ marks the job completed.
 *
 * Each run is one consumer span, parented to the delivery's context carried in the job, with
 * the handler's own span beneath it. The span gets its outcome where the sink gets it (the
 * `record` below): an observer of the sink sees the outcome but not the job's span.
 */
export function createProcessor<D>(options: ProcessorOptions<D>) {
  const { spec, handler, deps, deadLetters, shutdown, ledger, tracing } = options;
  const names = spec.queues;
  const now = options.now ?? (() => new Date());

  /** Hands the job back to its queue without spending an attempt. */
  const putBack = async (job: Job, token: string, delayMs: number): Promise<never> => {
    await job.moveToDelayed(Date.now() + delayMs, token);
    throw new DelayedError();
  };

  const run = async (job: Job, token: string | undefined, span: Span, jobContext: Context) => {
    const startedMs = Date.now();
    const attempt = job.attemptsMade + 1;
    const jobId = job.id ?? "unknown";
    const record = (
      outcome: JobOutcome["outcome"],
      extra: Partial<JobOutcome> & { envelopeTimestamp?: unknown } = {},
    ) => {
      const { envelopeTimestamp, ...fields } = extra;
      const sentMs = timestampMsOf(envelopeTimestamp);
      span.setAttribute(attr.outcome, outcome);
      options.outcomes.record({
        kind: "job",
        outcome,
        queue: names.queue,
        jobId,
        attempt,
        durationSec: (Date.now() - startedMs) / 1000,
        eventAgeSec: sentMs === undefined ? undefined : (now().getTime() - sentMs) / 1000,
        ...fields,
      });
    };
    const deadLetter = async (
      reason: DeadLetterReason,
      error: string,
      extra: Partial<JobOutcome> = {},
    ) => {
      await deadLetters.write(
        job,
        { queue: names.queue, deadLetterQueue: names.deadLetter },
        reason,
        error,
      );
      record("dead_lettered", { reason: `${reason}: ${error}`, ...extra });
      span.setAttribute(attr.reason, reason);
      markSpanFailed(span, reason, error);
    };

    const data = EventJob.safeParse(job.data);
    if (!data.success) {
      const reason = `job data is not a Skyhook event: ${data.error.issues.map((i) => i.path.join(".")).join(", ")}`;
      await deadLetter("invalid-job", reason);
      throw new UnrecoverableError(reason);
    }
    const event = data.data;
    if (span.isRecording()) {
      span.setAttributes({
        [attr.deliveryId]: event.deliveryId,
        [attr.eventType]: event.eventType,
        [attr.operation]: event.operation,
        ...(event.trace.traceId === undefined ? {} : { [attr.b3TraceId]: event.trace.traceId }),
      });
    }
    const about = {
      deliveryId: event.deliveryId,
      eventType: event.eventType,
      operation: event.operation,
      traceId: event.trace.traceId,
      envelopeTimestamp: event.envelope.timestamp,
    };
    const payload = spec.payload.safeParse(event.envelope.payload);
    if (!payload.success) {
      const fields = payload.error.issues.map((i) => `payload.${i.path.join(".")}`).join(", ");
      const reason = `payload fails the ${event.eventType}/${event.operation} schema at ${fields}`;
      await deadLetter("invalid-payload", reason, about);
      throw new UnrecoverableError(reason);
    }

    const logger = options.logger.child({
      eventType: event.eventType,
      operation: event.operation,
      deliveryId: event.deliveryId,
      jobId,
      attempt,
      traceId: event.trace.traceId,
    });
    const handlerEvent: HandlerEvent<unknown> = {
      eventType: event.eventType,
      operation: event.operation,
      payload: payload.data,
      envelope: event.envelope,
      keys: event.keys,
      receivedAt: new Date(event.receivedAt),
    };

    const callHandler = async (): Promise<void> => {
      const handlerSpan = tracing.tracer.startSpan(
        `handle ${event.eventType}/${event.operation}`,
        { kind: SpanKind.INTERNAL },
        jobContext,
      );
      const handlerContext = trace.setSpan(jobContext, handlerSpan);
      try {
        await handler.handle(handlerEvent, {
          idempotencyKey: event.deliveryId,
          attempt,
          logger,
          signal: shutdown,
          now,
          trace: { headers: () => traceHeadersOf(tracing, handlerContext, event.trace) },
          deps,
        });
      } catch (err) {
        markSpanFailed(handlerSpan, errorTypeOf(err), describeError(err));
        throw err;
      } finally {
        handlerSpan.end();
      }
    };

    /** `settle` runs beside the completion count: the entity's step, when there is one. */
    const runHandler = async (settle?: () => Promise<void>): Promise<void> => {
      try {
        await callHandler();
      } catch (err) {
        if (shutdown.aborted && token !== undefined) {
          record("interrupted", about);
          await putBack(job, token, 0);
        }
        const permanent = err instanceof PermanentError;
        const lastAttempt = attempt >= (job.opts.attempts ?? 1);
        if (permanent || lastAttempt) {
          await deadLetter(
            permanent ? "permanent-error" : "retries-exhausted",
            describeError(err),
            about,
          );
        } else {
          record("retried", { ...about, reason: describeError(err) });
          markSpanFailed(span, errorTypeOf(err), describeError(err));
        }
        throw permanent ? new UnrecoverableError(describeError(err)) : err;
      }
      // One round trip for both: they touch different slots and need no order between them.
      // A crash after either re-runs the job, which the count's mark counts once and whose
      // recorded position is its own, so it is not stale to itself.
      await Promise.all([ledger.countCompleted(names.queue, jobId, event), settle?.()]);
      record("completed", about);
    };

    /**
     * A job can come back after its success was counted: its worker died before BullMQ
     * finished it, and the stalled check handed it out again. Running it again could count it
     * twice (once completed, once stale when a newer version was applied meanwhile) or repeat
     * its effects, so it is finished as it was. Only a stalled job is asked, so the normal
     * path costs no round trip.
     */
    const countedBefore = async () =>
      job.stalledCounter > 0 && (await ledger.wasCompleted(names.queue, jobId));
    const finishedBefore = () =>
      record("completed", {
        ...about,
        reason: "counted completed before the worker stopped; not run again",
      });

    const order: EntityOrder | undefined = entityOrderOf(event);
    if (order === undefined) {
      if (await countedBefore()) finishedBefore();
      else await runHandler();
      return;
    }
    const lock = await options.entities.lock(order.entity);
    if (lock === undefined) {
      span.setAttribute(attr.reason, "entity-busy");
      if (token === undefined) throw new Error(`entity ${order.entity} is busy`);
      await putBack(job, token, options.entityBusyDelayMs * (1 + Math.random()));
      return;
    }
    try {
      if (await countedBefore()) {
        // Its position may not have been recorded before the crash; recording it is a no-op
        // when a newer one was.
        await lock.advanceAndRelease(order);
        finishedBefore();
        return;
      }
      const newest = lock.newest();
      if (newest !== undefined && isOlder(order, newest)) {
        await options.staleEvents.write(job, event, names, order, newest);
        record("skipped_stale", {
          ...about,
          reason: `version ${order.version ?? "-"} is older than applied ${newest.version ?? "-"}`,
        });
        await lock.release();
        return;
      }
      await runHandler(() => lock.advanceAndRelease(order));
    } catch (err) {
      // Never left to lapse, whatever failed; after the position was recorded this is a no-op.
      await lock.release();
      throw err;
    }
  };

  return async (job: Job, token?: string): Promise<void> => {
    const parent = deliveryContextOf(tracing, job.data);
    const span = tracing.tracer.startSpan(
      `process ${names.queue}`,
      { kind: SpanKind.CONSUMER },
      parent,
    );
    if (span.isRecording()) {
      span.setAttributes({
        [attr.messagingSystem]: messagingSystem,
        [attr.messagingOperation]: "process",
        [attr.queue]: names.queue,
        [attr.jobId]: job.id ?? "unknown",
        [attr.attempt]: job.attemptsMade + 1,
      });
    }
    try {
      await run(job, token, span, trace.setSpan(parent, span));
    } finally {
      span.end();
    }
  };
}
