import {
  type Context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  type Span,
  SpanStatusCode,
  type TextMapPropagator,
  type Tracer,
  type TracerProvider,
} from "@opentelemetry/api";

/**
 * What a process traces with. It is passed down like any other dependency rather than
 * registered in the OpenTelemetry API's globals: two processes composed in one test each keep
 * their own provider, and nothing else in the process can switch tracing on behind our back.
 * Parents are passed explicitly (`startSpan(name, options, parentContext)`), so no context
 * manager is needed either.
 */
export type Tracing = {
  tracer: Tracer;
  /** Writes the trace context into a job's carrier and an outgoing request, and reads it back. */
  propagator: TextMapPropagator;
};

const tracerName = "skyhook";

export function createTracing(provider: TracerProvider, propagator: TextMapPropagator): Tracing {
  return { tracer: provider.getTracer(tracerName), propagator };
}

const silentPropagator: TextMapPropagator = {
  inject() {},
  extract: (context) => context,
  fields: () => [],
};

/**
 * Tracing off: the API's no-op tracer, whose spans record nothing and cost a small object each,
 * and a propagator that neither writes nor reads, so no trace context enters a job or a request.
 */
export function disabledTracing(): Tracing {
  return { tracer: new ProxyTracerProvider().getTracer(tracerName), propagator: silentPropagator };
}

/** The context as propagator headers (`traceparent`, `tracestate`); `undefined` when there is none. */
export function traceCarrierOf(
  tracing: Tracing,
  context: Context,
): Record<string, string> | undefined {
  const carrier: Record<string, string> = {};
  tracing.propagator.inject(context, carrier, defaultTextMapSetter);
  return Object.keys(carrier).length === 0 ? undefined : carrier;
}

/** The context a carrier (job data, request headers) continues; the root when it has none. */
export function contextFromCarrier(
  tracing: Tracing,
  carrier: Readonly<Record<string, string | string[] | undefined>> | undefined,
): Context {
  if (carrier === undefined) return ROOT_CONTEXT;
  return tracing.propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
}

/**
 * Every span attribute Skyhook sets: semantic-convention names where one exists, `skyhook.*`
 * and `spotnana.*` otherwise. Values are ids and bounded labels only, never payload content:
 * travel payloads carry personal data, and a tracing backend is not a place to keep it.
 */
export const spanAttributes = {
  httpMethod: "http.request.method",
  httpRoute: "http.route",
  httpStatusCode: "http.response.status_code",
  messagingSystem: "messaging.system",
  messagingOperation: "messaging.operation.type",
  queue: "messaging.destination.name",
  jobId: "messaging.message.id",
  errorType: "error.type",
  subscription: "skyhook.subscription",
  deliveryId: "skyhook.delivery_id",
  outcome: "skyhook.outcome",
  /** A closed set: a filter reason, an error code, a dead-letter reason, or `entity-busy`. */
  reason: "skyhook.reason",
  attempt: "skyhook.attempt",
  eventType: "spotnana.event_type",
  operation: "spotnana.operation",
  b3TraceId: "spotnana.b3.trace_id",
  b3SpanId: "spotnana.b3.span_id",
} as const;

/** BullMQ is not in the semantic conventions' list of messaging systems; its own name is used. */
export const messagingSystem = "bullmq";

/** Marks a span failed with the error's name and a one-line message (never the payload). */
export function markSpanFailed(span: Span, errorType: string, message: string): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.setAttribute(spanAttributes.errorType, errorType);
}
