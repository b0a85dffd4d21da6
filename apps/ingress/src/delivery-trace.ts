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
import type { Request, Response } from "express";
import { deliveryOutcomeOf } from "./request-log.ts";
import { type RequestState, stateOf } from "./request-state.ts";

/** The delivery's server span and the context its children start from. */
type DeliveryTrace = { span: Span; context: Context };

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
    [attr.b3SpanId]: state.spanId,
  });
}

/**
 * Starts the server span of a delivery request (continuing a W3C `traceparent` it carries) and
 * ends it when the response is done, with what the request learned on its way. With tracing
 * off the span is the API's no-op one and nothing past `startSpan` runs.
 */
export function startDeliveryTrace(tracing: Tracing, req: Request, res: Response): void {
  const route =
    req.params.subscription === undefined
      ? "/webhooks/spotnana"
      : "/webhooks/spotnana/:subscription";
  const parent = contextFromCarrier(tracing, req.headers);
  const span = tracing.tracer.startSpan(`POST ${route}`, { kind: SpanKind.SERVER }, parent);
  const traced: DeliveryTrace = { span, context: trace.setSpan(parent, span) };
  res.locals.deliveryTrace = traced;
  if (!span.isRecording()) return;

  const state = stateOf(res);
  span.setAttributes(
    definedOnly({
      [attr.httpMethod]: req.method,
      [attr.httpRoute]: route,
      [attr.b3TraceId]: state.traceId,
    }),
  );
  // `close` also fires when the client goes away before the answer, which `finish` does not.
  res.once("close", () => {
    span.setAttributes(finishedAttributes(state, res));
    if (!res.writableFinished) {
      markSpanFailed(span, "aborted", "the client closed the connection before the answer");
    } else if (res.statusCode >= 500) {
      markSpanFailed(span, state.errorCode ?? String(res.statusCode), `answered ${res.statusCode}`);
    }
    span.end();
  });
}

function contextOf(res: Response): Context {
  const traced = res.locals.deliveryTrace as DeliveryTrace | undefined;
  return traced?.context ?? ROOT_CONTEXT;
}

/**
 * Runs `store` (the Redis write) in a producer span under the delivery's span. `store` gets
 * the carrier to put in the job, so the worker's span continues from this one.
 */
export async function tracedEnqueue<T extends string>(
  tracing: Tracing,
  res: Response,
  target: { queue: string; jobId: string },
  store: (carrier: Record<string, string> | undefined) => Promise<T>,
): Promise<T> {
  const parent = contextOf(res);
  const span = tracing.tracer.startSpan(
    `send ${target.queue}`,
    { kind: SpanKind.PRODUCER },
    parent,
  );
  const carrier = traceCarrierOf(tracing, trace.setSpan(parent, span));
  if (!span.isRecording()) return store(carrier);
  span.setAttributes({
    [attr.messagingSystem]: messagingSystem,
    [attr.messagingOperation]: "send",
    [attr.queue]: target.queue,
    [attr.jobId]: target.jobId,
  });
  try {
    const result = await store(carrier);
    span.setAttribute(attr.outcome, result);
    return result;
  } catch (err) {
    markSpanFailed(span, err instanceof Error ? err.name : "Error", describeError(err));
    throw err;
  } finally {
    span.end();
  }
}
