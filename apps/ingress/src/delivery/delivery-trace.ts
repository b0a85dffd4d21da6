import type { IncomingHttpHeaders } from "node:http";
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  trace,
} from "@opentelemetry/api";
import {
  spanAttributes as attr,
  contextFromCarrier,
  describeError,
  markSpanFailed,
  messagingSystem,
  type Tracing,
  traceCarrierOf,
} from "@skyhook/queue-kit";
import type { Response } from "express";
import { deliveryOutcomeOf } from "../request-log.ts";
import type { RequestState } from "../request-state.ts";

/** Only ids and bounded labels: `undefined` values are left out rather than sent as empty. */
function definedOnly(attributes: Record<string, string | number | undefined>): Attributes {
  return Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== undefined));
}

function finishedAttributes(state: RequestState, res: Response): Attributes {
  return definedOnly({
    [attr.httpStatusCode]: res.statusCode,
    [attr.subscription]: state.subscription,
    [attr.eventType]: state.eventType,
    [attr.operation]: state.operation,
    [attr.queue]: state.queue,
    [attr.jobId]: state.jobId,
    [attr.deliveryId]: state.deliveryId,
    [attr.outcome]: deliveryOutcomeOf(state),
    [attr.reason]: state.filtered ?? state.errorCode,
  });
}

export type DeliveryTrace = {
  /**
   * The sender is authenticated: from now on the span continues the trace its headers carry
   * (W3C `traceparent`, and Spotnana's X-B3 ids as attributes). Until then nothing a sender
   * chose is trusted: a refused request's span is a root of its own.
   */
  authenticated(headers: IncomingHttpHeaders): void;
  /**
   * Runs `store` (the Redis write) in a producer span under the delivery's span. `store` gets
   * the carrier to put in the job, so the worker's span continues from this one.
   */
  enqueue<T extends string>(
    target: { queue: string; jobId: string },
    store: (carrier: Record<string, string> | undefined) => Promise<T>,
  ): Promise<T>;
};

/**
 * The server span of one delivery request. It is started when the sender is authenticated, or
 * when the answer is done if it never is, back-dated to the request's arrival, and ended with
 * what the request learned on its way. With tracing off the span is the API's no-op one.
 */
export function startDeliveryTrace(
  tracing: Tracing,
  route: string,
  state: RequestState,
  res: Response,
): DeliveryTrace {
  const arrivedAt = Date.now();
  let span: Span | undefined;
  let context: Context = ROOT_CONTEXT;
  const start = (parent: Context, attributes: Attributes) => {
    span = tracing.tracer.startSpan(
      `POST ${route}`,
      { kind: SpanKind.SERVER, startTime: arrivedAt, attributes },
      parent,
    );
    context = trace.setSpan(parent, span);
    return span;
  };
  const base = { [attr.httpMethod]: "POST", [attr.httpRoute]: route };
  // `close` also fires when the client goes away before the answer, which `finish` does not.
  res.once("close", () => {
    const finished = span ?? start(ROOT_CONTEXT, base);
    if (!finished.isRecording()) return;
    finished.setAttributes(finishedAttributes(state, res));
    if (!res.writableFinished) {
      markSpanFailed(finished, "aborted", "the client closed the connection before the answer");
    } else if (res.statusCode >= 500) {
      markSpanFailed(
        finished,
        state.errorCode ?? String(res.statusCode),
        `answered ${res.statusCode}`,
      );
    }
    finished.end();
  });
  return {
    authenticated(headers) {
      start(
        contextFromCarrier(tracing, headers),
        definedOnly({ ...base, [attr.b3TraceId]: state.traceId, [attr.b3SpanId]: state.spanId }),
      );
    },
    async enqueue(target, store) {
      const producer = tracing.tracer.startSpan(
        `send ${target.queue}`,
        { kind: SpanKind.PRODUCER },
        context,
      );
      const carrier = traceCarrierOf(tracing, trace.setSpan(context, producer));
      if (!producer.isRecording()) return store(carrier);
      producer.setAttributes({
        [attr.messagingSystem]: messagingSystem,
        [attr.messagingOperation]: "send",
        [attr.queue]: target.queue,
        [attr.jobId]: target.jobId,
      });
      try {
        const result = await store(carrier);
        producer.setAttribute(attr.outcome, result);
        return result;
      } catch (err) {
        markSpanFailed(producer, err instanceof Error ? err.name : "Error", describeError(err));
        throw err;
      } finally {
        producer.end();
      }
    },
  };
}
