import {
  type EntityOrder,
  EventJob,
  entityOrderOf,
  isOlder,
  type OperationSpec,
} from "@skyhook/contracts";
import { type Handler, type HandlerEvent, PermanentError } from "@skyhook/handler-kit";
import { DelayedError, type Job, UnrecoverableError } from "bullmq";
import type { Logger } from "pino";
import type { DeadLetterer } from "./dead-letter.ts";
import type { EntityGuard } from "./entity-guard.ts";
import type { StaleEvents } from "./stale-events.ts";

export type ProcessorOptions<D> = {
  spec: OperationSpec;
  handler: Handler<D>;
  deps: D;
  deadLetters: DeadLetterer;
  staleEvents: StaleEvents;
  entities: EntityGuard;
  logger: Logger;
  /** Aborted when the worker's shutdown grace period runs out. */
  shutdown: AbortSignal;
  /** How long a job whose entity is busy waits before it is tried again. */
  entityBusyDelayMs: number;
  now?: () => Date;
};

const describe = (err: unknown) =>
  err instanceof Error ? `${err.name}: ${err.message}` : String(err);

/**
 * Runs one job through its handler and decides its fate: done; skipped as stale (kept in the
 * `.stale` queue); retried (BullMQ re-runs it after backoff); dead-lettered (bad data, a
 * permanent error, or the last attempt failed); or put back untouched when its entity is busy
 * or shutdown interrupts it. Dead-lettering happens before the job is failed, so a crash in
 * between leaves a job that re-runs, never one that is lost.
 */
export function createProcessor<D>(options: ProcessorOptions<D>) {
  const { spec, handler, deps, deadLetters, shutdown } = options;
  const queueName = spec.queues.queue;
  const now = options.now ?? (() => new Date());

  /** Hands the job back to its queue without spending an attempt. */
  const putBack = async (job: Job, token: string, delayMs: number): Promise<never> => {
    await job.moveToDelayed(Date.now() + delayMs, token);
    throw new DelayedError();
  };

  return async (job: Job, token?: string): Promise<void> => {
    const attempt = job.attemptsMade + 1;
    const data = EventJob.safeParse(job.data);
    if (!data.success) {
      const reason = `job data is not a Skyhook event: ${data.error.issues.map((i) => i.path.join(".")).join(", ")}`;
      await deadLetters.deadLetter(job, queueName, "invalid-job", reason);
      throw new UnrecoverableError(reason);
    }
    const event = data.data;
    const payload = spec.payload.safeParse(event.envelope.payload);
    if (!payload.success) {
      const fields = payload.error.issues.map((i) => `payload.${i.path.join(".")}`).join(", ");
      const reason = `payload fails the ${event.eventType}/${event.operation} schema at ${fields}`;
      await deadLetters.deadLetter(job, queueName, "invalid-payload", reason);
      throw new UnrecoverableError(reason);
    }

    const logger = options.logger.child({
      eventType: event.eventType,
      operation: event.operation,
      deliveryId: event.deliveryId,
      jobId: job.id,
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

    const runHandler = async (): Promise<void> => {
      try {
        await handler.handle(handlerEvent, {
          idempotencyKey: event.deliveryId,
          attempt,
          logger,
          signal: shutdown,
          now,
          deps,
        });
      } catch (err) {
        if (shutdown.aborted && token !== undefined) {
          logger.info("released to the queue by shutdown");
          await putBack(job, token, 0);
        }
        const permanent = err instanceof PermanentError;
        const lastAttempt = attempt >= (job.opts.attempts ?? 1);
        if (permanent || lastAttempt) {
          await deadLetters.deadLetter(
            job,
            queueName,
            permanent ? "permanent-error" : "retries-exhausted",
            describe(err),
          );
        } else {
          logger.warn({ err: describe(err) }, "handler failed; will retry");
        }
        throw permanent ? new UnrecoverableError(describe(err)) : err;
      }
    };

    const order: EntityOrder | undefined = entityOrderOf(event);
    if (order === undefined) {
      await runHandler();
      return;
    }
    const lock = await options.entities.lock(order.entity);
    if (lock === undefined) {
      if (token === undefined) throw new Error(`entity ${order.entity} is busy`);
      await putBack(job, token, options.entityBusyDelayMs * (1 + Math.random()));
      return;
    }
    try {
      const newest = await lock.newest();
      if (newest !== undefined && isOlder(order, newest)) {
        await options.staleEvents.record(job, event, spec.queues, order, newest);
        return;
      }
      await runHandler();
      await lock.advance(order);
    } finally {
      await lock.release();
    }
  };
}
