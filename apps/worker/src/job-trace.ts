import { type Context, ROOT_CONTEXT } from "@opentelemetry/api";
import { EventJob } from "@skyhook/contracts";
import { contextFromCarrier, type Tracing, traceCarrierOf } from "@skyhook/queue-kit";
import { z } from "zod";

/** Only the carrier, read on its own: a job that fails its schema still joins its trace. */
const CarrierOnly = z.object({
  trace: z.object({ carrier: EventJob.shape.trace.shape.carrier }),
});

/** Whether job data holds a trace carrier at all: most do not (tracing off at the ingress). */
const hasCarrier = (data: unknown) =>
  typeof data === "object" &&
  data !== null &&
  "trace" in data &&
  typeof data.trace === "object" &&
  data.trace !== null &&
  "carrier" in data.trace;

/**
 * The delivery's context a job's spans continue; the root for jobs written without one. Job
 * data without a carrier is not parsed for it: that is every job while tracing is off.
 */
export function deliveryContextOf(tracing: Tracing, data: unknown): Context {
  if (!hasCarrier(data)) return ROOT_CONTEXT;
  const parsed = CarrierOnly.safeParse(data);
  return contextFromCarrier(tracing, parsed.success ? parsed.data.trace.carrier : undefined);
}

/** Header-safe ids only: what the ingress accepted, and never a CR or LF into a request. */
const headerSafe = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The headers a handler passes on to the systems it calls: W3C `traceparent`/`tracestate` of
 * its own span (when tracing is on), and Spotnana's B3 ids as Spotnana sent them, so the
 * downstream's logs can be matched to the delivery by Spotnana support's ids too.
 */
export function traceHeadersOf(
  tracing: Tracing,
  context: Context,
  trace: EventJob["trace"],
): Record<string, string> {
  const headers: Record<string, string> = { ...traceCarrierOf(tracing, context) };
  if (trace.traceId !== undefined && headerSafe.test(trace.traceId)) {
    headers["X-B3-TraceId"] = trace.traceId;
  }
  if (trace.spanId !== undefined && headerSafe.test(trace.spanId)) {
    headers["X-B3-SpanId"] = trace.spanId;
  }
  return headers;
}
