import { SpanKind, trace } from "@opentelemetry/api";
import type { EventJob } from "@skyhook/contracts";
import type { Handler } from "@skyhook/handler-kit";
import { describeError, markSpanFailed, type Tracing } from "@skyhook/queue-kit";
import type { Logger } from "pino";
import type { JobRun } from "./fate.ts";
import { errorTypeOf } from "./fate-observers.ts";
import { handlerLogger } from "./handler-logger.ts";
import { traceHeadersOf } from "./job-trace.ts";

export type HandlerCallOptions<D> = {
  handler: Handler<D>;
  deps: D;
  logger: Logger;
  /** Aborted when the worker's shutdown grace period runs out. */
  shutdown: AbortSignal;
  now: () => Date;
  tracing: Tracing;
};

/**
 * Calls the handler with the validated event and its context, in a span of its own beneath the
 * run's. What the handler throws is passed on: the decision makes a fate of it.
 */
export function createHandlerCall<D>(options: HandlerCallOptions<D>) {
  const { handler, deps, shutdown, now, tracing } = options;
  return async (run: JobRun, event: EventJob, payload: unknown): Promise<void> => {
    const span = tracing.tracer.startSpan(
      `handle ${event.eventType}/${event.operation}`,
      { kind: SpanKind.INTERNAL },
      run.context,
    );
    const context = trace.setSpan(run.context, span);
    try {
      await handler.handle(
        {
          eventType: event.eventType,
          operation: event.operation,
          payload,
          envelope: event.envelope,
          keys: event.keys,
          receivedAt: new Date(event.receivedAt),
        },
        {
          idempotencyKey: event.deliveryId,
          attempt: run.attempt,
          logger: handlerLogger(options.logger, {
            eventType: event.eventType,
            operation: event.operation,
            deliveryId: event.deliveryId,
            jobId: run.jobId,
            attempt: run.attempt,
            traceId: event.trace.traceId,
          }),
          signal: shutdown,
          now,
          trace: { headers: () => traceHeadersOf(tracing, context, event.trace) },
          deps,
        },
      );
    } catch (err) {
      markSpanFailed(span, errorTypeOf(err), describeError(err));
      throw err;
    } finally {
      span.end();
    }
  };
}
