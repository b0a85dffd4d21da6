import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { type EventJob, queueNamesFor } from "@skyhook/contracts";
import { createSendingNode, defaultFlights, envelope, pnrPayload } from "@skyhook/spotnana-sender";
import { Queue } from "bullmq";
import { afterEach, describe, expect, it } from "vitest";
import { startDownstream } from "./support/downstream.ts";
import { devClient, startIngress, startWorker } from "./support/in-process.ts";
import { DeliveryAnswer } from "./support/ingress-answers.ts";
import { jsonOf } from "./support/json-body.ts";
import { connect, deletePrefix, uniquePrefix } from "./support/redis.ts";
import { waitFor } from "./support/wait-for.ts";

const cancelled = queueNamesFor("PNR_V3", "FLIGHT_CANCELLED");
const [outbound, inbound] = defaultFlights as [
  (typeof defaultFlights)[0],
  (typeof defaultFlights)[0],
];
const personalData = ["Ada", "Lovelace", "1815-12-10"];
/** Spotnana's B3 ids: a 128-bit trace id and a 64-bit span id, lower-case hex. */
const b3 = { traceId: "80f198ee56343ba864fe8b2a57d3eff7", spanId: "e457b5a2e4d86bd1" };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Options = {
  env?: Record<string, string>;
  /** Each process gets its own provider, as in production; both export to one memory. */
  injectProviders?: boolean;
  respond?: (n: number) => number | "hang";
};

/** Ingress, worker and a notification receiver in this process, on a private prefix. */
async function pipeline(options: Options = {}) {
  const prefix = uniquePrefix("trace");
  const redis = connect();
  const memory = new InMemorySpanExporter();
  const provider = () =>
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  const providers = options.injectProviders === false ? [] : [provider(), provider()];
  const downstream = await startDownstream(options.respond);
  const env = options.env ?? {};
  const ingress = await startIngress(
    { QUEUE_PREFIX: prefix, RETRY_ATTEMPTS: "3", RETRY_BACKOFF_MS: "10", ...env },
    undefined,
    providers[0] === undefined ? {} : { tracerProvider: providers[0] },
  );
  const worker = startWorker(
    { QUEUE_PREFIX: prefix, NOTIFY_URL: downstream.url, NOTIFY_TIMEOUT_MS: "2000", ...env },
    providers[1] === undefined ? {} : { tracerProvider: providers[1] },
  );
  const queue = new Queue(cancelled.queue, { connection: redis, prefix });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await worker.close();
    await ingress.close();
  };
  cleanups.push(async () => {
    await close();
    await Promise.all(providers.map((p) => p.shutdown()));
    await downstream.close();
    await queue.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });
  return {
    client: createSendingNode({ url: ingress.baseUrl, auth: { mode: "oauth", ...devClient } }),
    downstream,
    memory,
    queue,
    close,
    finished: (jobId: string, state: "completed" | "failed") =>
      waitFor(`${jobId} ${state}`, async () =>
        (await queue.getJobState(jobId)) === state ? true : undefined,
      ),
  };
}

const cancellation = () =>
  envelope(
    "FLIGHT_CANCELLED",
    pnrPayload({ flights: [{ ...outbound, cancelled: true }, inbound] }),
  );

const one = (spans: readonly ReadableSpan[], kind: SpanKind): ReadableSpan => {
  const matching = spans.filter((s) => s.kind === kind);
  expect(matching, `spans of kind ${SpanKind[kind]}`).toHaveLength(1);
  return matching[0] as ReadableSpan;
};

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/** Everything a span would send to a tracing backend besides timing. */
const exported = (span: ReadableSpan) =>
  JSON.stringify({
    name: span.name,
    attributes: span.attributes,
    status: span.status,
    events: span.events,
    links: span.links,
  });

describe("tracing: one trace from the delivery request through the queue to the handler", () => {
  it("links ingress, enqueue, job and handler spans and passes the trace on to the notifier", async () => {
    const p = await pipeline();
    const response = await p.client.deliver(cancellation(), {
      "x-spotnana-webhook-id": "msg-traced",
      "X-B3-TraceId": b3.traceId,
      "X-B3-SpanId": b3.spanId,
    });
    expect(response.status).toBe(200);
    const { jobId } = await jsonOf(response, DeliveryAnswer);
    await p.finished(jobId, "completed");
    const spans = await waitFor("four finished spans", () => {
      const finished = p.memory.getFinishedSpans();
      return finished.some((s) => s.kind === SpanKind.CONSUMER) && finished.length >= 4
        ? finished
        : undefined;
    });

    const server = one(spans, SpanKind.SERVER);
    const enqueue = one(spans, SpanKind.PRODUCER);
    const job = one(spans, SpanKind.CONSUMER);
    const handler = one(spans, SpanKind.INTERNAL);
    const traceId = server.spanContext().traceId;
    for (const span of [enqueue, job, handler]) expect(span.spanContext().traceId).toBe(traceId);
    expect(server.parentSpanContext).toBeUndefined();
    expect(parentOf(enqueue)).toBe(server.spanContext().spanId);
    expect(parentOf(job)).toBe(enqueue.spanContext().spanId);
    expect(parentOf(handler)).toBe(job.spanContext().spanId);

    expect(server.name).toBe("POST /webhooks/spotnana");
    expect(server.attributes).toMatchObject({
      "http.request.method": "POST",
      "http.route": "/webhooks/spotnana",
      "http.response.status_code": 200,
      "skyhook.subscription": "spotnana",
      "spotnana.event_type": "PNR_V3",
      "spotnana.operation": "FLIGHT_CANCELLED",
      "skyhook.outcome": "accepted",
      "messaging.destination.name": cancelled.queue,
      "messaging.message.id": jobId,
      "spotnana.b3.trace_id": b3.traceId,
      "spotnana.b3.span_id": b3.spanId,
    });
    expect(enqueue.attributes).toMatchObject({
      "messaging.system": "bullmq",
      "messaging.operation.type": "send",
      "messaging.destination.name": cancelled.queue,
      "skyhook.outcome": "accepted",
    });
    expect(job.name).toBe(`process ${cancelled.queue}`);
    expect(job.attributes).toMatchObject({
      "messaging.operation.type": "process",
      "messaging.destination.name": cancelled.queue,
      "messaging.message.id": jobId,
      "skyhook.attempt": 1,
      "skyhook.outcome": "completed",
      "spotnana.b3.trace_id": b3.traceId,
    });
    expect(handler.name).toBe("handle PNR_V3/FLIGHT_CANCELLED");

    for (const span of spans) {
      for (const personal of personalData) expect(exported(span)).not.toContain(personal);
    }

    const [notice] = p.downstream.received;
    expect(notice?.headers.traceparent).toBe(`00-${traceId}-${handler.spanContext().spanId}-01`);
    expect(notice?.headers["x-b3-traceid"]).toBe(b3.traceId);
    expect(notice?.headers["x-b3-spanid"]).toBe(b3.spanId);
  });

  it("continues a W3C traceparent the delivery request carries", async () => {
    const p = await pipeline();
    const caller = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" };
    const response = await p.client.deliver(cancellation(), {
      traceparent: `00-${caller.traceId}-${caller.spanId}-01`,
    });
    const { jobId } = await jsonOf(response, DeliveryAnswer);
    await p.finished(jobId, "completed");
    const job = await waitFor("the job span", () =>
      p.memory.getFinishedSpans().find((s) => s.kind === SpanKind.CONSUMER),
    );
    const server = one(p.memory.getFinishedSpans(), SpanKind.SERVER);
    expect(server.spanContext().traceId).toBe(caller.traceId);
    expect(parentOf(server)).toBe(caller.spanId);
    expect(job.spanContext().traceId).toBe(caller.traceId);
  });

  it("gives each attempt its own job span under the same enqueue span, failed ones marked", async () => {
    const p = await pipeline({ respond: (n) => (n === 0 ? 500 : 200) });
    const response = await p.client.deliver(cancellation());
    const { jobId } = await jsonOf(response, DeliveryAnswer);
    await p.finished(jobId, "completed");
    const jobs = await waitFor("two job spans", () => {
      const found = p.memory.getFinishedSpans().filter((s) => s.kind === SpanKind.CONSUMER);
      return found.length === 2 ? found : undefined;
    });
    const enqueue = one(p.memory.getFinishedSpans(), SpanKind.PRODUCER);
    const [first, second] = [...jobs].sort(
      (a, b) => Number(a.attributes["skyhook.attempt"]) - Number(b.attributes["skyhook.attempt"]),
    ) as [ReadableSpan, ReadableSpan];
    for (const span of jobs) expect(parentOf(span)).toBe(enqueue.spanContext().spanId);
    expect(first.attributes).toMatchObject({ "skyhook.attempt": 1, "skyhook.outcome": "retried" });
    expect(first.status.code).toBe(SpanStatusCode.ERROR);
    expect(first.status.message).toContain("answered 500");
    expect(first.attributes["error.type"]).toBe("DownstreamError");
    expect(second.attributes).toMatchObject({
      "skyhook.attempt": 2,
      "skyhook.outcome": "completed",
    });
    expect(second.status.code).not.toBe(SpanStatusCode.ERROR);
    const handlers = p.memory.getFinishedSpans().filter((s) => s.kind === SpanKind.INTERNAL);
    expect(handlers.map((h) => h.status.code).sort()).toEqual(
      [SpanStatusCode.UNSET, SpanStatusCode.ERROR].sort(),
    );
  });

  it("links a job that fails its schema to the delivery it came from", async () => {
    const p = await pipeline();
    const parent = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331" };
    await p.queue.add(
      "broken",
      { trace: { carrier: { traceparent: `00-${parent.traceId}-${parent.spanId}-01` } } },
      { jobId: "broken-job" },
    );
    const job = await waitFor("the job span", () =>
      p.memory.getFinishedSpans().find((s) => s.kind === SpanKind.CONSUMER),
    );
    expect(job.spanContext().traceId).toBe(parent.traceId);
    expect(parentOf(job)).toBe(parent.spanId);
    expect(job.attributes).toMatchObject({
      "skyhook.outcome": "dead_lettered",
      "skyhook.reason": "invalid-job",
    });
    expect(job.status.code).toBe(SpanStatusCode.ERROR);
  });

  it("refuses no delivery whose request carries a malformed traceparent", async () => {
    const p = await pipeline();
    const response = await p.client.deliver(cancellation(), { traceparent: "not-a-traceparent" });
    expect(response.status).toBe(200);
    const server = await waitFor("the server span", () =>
      p.memory.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER),
    );
    expect(server.parentSpanContext).toBeUndefined();
  });
});

describe("tracing off", () => {
  it("with no OTEL_* variables, writes no carrier and sends no traceparent, but still the B3 ids", async () => {
    const globalProvider = trace.getTracerProvider();
    const p = await pipeline({ injectProviders: false });
    const response = await p.client.deliver(cancellation(), {
      "X-B3-TraceId": b3.traceId,
      "X-B3-SpanId": b3.spanId,
    });
    const { jobId } = await jsonOf(response, DeliveryAnswer);
    await p.finished(jobId, "completed");

    const data = (await p.queue.getJob(jobId))?.data as EventJob | undefined;
    expect(data?.trace).toEqual({ requestId: expect.any(String), ...b3 });
    const [notice] = p.downstream.received;
    expect(notice?.headers.traceparent).toBeUndefined();
    expect(notice?.headers["x-b3-traceid"]).toBe(b3.traceId);
    expect(trace.getTracerProvider()).toBe(globalProvider);
  });

  it("exports nothing to a configured collector when OTEL_SDK_DISABLED=true, and everything when not", async () => {
    const collector = await startDownstream();
    cleanups.push(() => collector.close());
    const endpoint = { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector.url };

    const off = await pipeline({
      injectProviders: false,
      env: { ...endpoint, OTEL_SDK_DISABLED: "true" },
    });
    const first = await off.client.deliver(cancellation());
    await off.finished((await jsonOf(first, DeliveryAnswer)).jobId, "completed");
    await off.close();
    expect(collector.requestCount()).toBe(0);

    const on = await pipeline({ injectProviders: false, env: endpoint });
    const second = await on.client.deliver(cancellation());
    await on.finished((await jsonOf(second, DeliveryAnswer)).jobId, "completed");
    await on.close(); // flushes both processes' batch processors
    const exports = JSON.stringify(collector.received.map((r) => r.body));
    expect(collector.requestCount()).toBeGreaterThanOrEqual(1);
    expect(exports).toContain("skyhook-ingress");
    expect(exports).toContain("skyhook-worker");
    expect(exports).toContain(`process ${cancelled.queue}`);
    for (const personal of personalData) expect(exports).not.toContain(personal);
  });
});
