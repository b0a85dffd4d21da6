import { ROOT_CONTEXT, SpanStatusCode } from "@opentelemetry/api";
import { EventJob } from "@skyhook/contracts";
import type { Outcome } from "@skyhook/queue-kit";
import { describe, expect, it } from "vitest";
import { memoryTracing } from "../../../test/support/memory-tracing.ts";
import type { Decision, Fate, JobRun } from "./fate.ts";
import { markSpans, recordOutcomes } from "./fate-observers.ts";

/** The observers with plain fates in: what the outcome sink gets, what the span carries. */
const event = EventJob.parse({
  v: 1,
  deliveryId: "msg-1",
  deliveryIdSource: "webhook-id",
  subscription: "spotnana",
  receivedAt: "2026-11-27T10:00:01.000Z",
  eventType: "PNR_V3",
  operation: "TEST_APPLIED",
  keys: { pnrId: "PNR1", version: 2 },
  trace: { requestId: "req-1", traceId: "80f198ee56343ba864fe8b2a57d3eff7" },
  envelope: { timestamp: "2026-11-27T10:00:00.000Z", payload: {} },
});
const clock = () => new Date("2026-11-27T10:00:30.000Z");
const order = { entity: "pnr:PNR1", version: 2 };

function observe(fate: Fate, options: { event?: EventJob | undefined } = {}) {
  const { tracing, memory } = memoryTracing();
  const span = tracing.tracer.startSpan("process q");
  const run: JobRun = {
    queue: "{pnr-v3.test-applied}",
    jobId: "wh-msg-1",
    data: {},
    attempt: 2,
    maxAttempts: 3,
    retryHorizonMs: 3_600_000,
    nextRetryDelayMs: 1_000,
    stalled: false,
    canPutBack: true,
    startedMs: Date.now() - 1_500,
    span,
    context: ROOT_CONTEXT,
  };
  const decision: Decision = {
    fate,
    event: "event" in options ? options.event : event,
    hold: undefined,
  };
  const outcomes: Outcome[] = [];
  recordOutcomes({ record: (o) => outcomes.push(o), observe() {} }, clock)(run, decision);
  markSpans()(run, decision);
  span.end();
  const [finished] = memory.getFinishedSpans();
  return { outcomes, span: finished };
}

const recorded = (fields: Record<string, unknown>) => ({
  kind: "job",
  queue: "{pnr-v3.test-applied}",
  jobId: "wh-msg-1",
  attempt: 2,
  durationSec: expect.closeTo(1.5, 0),
  eventAgeSec: 30,
  deliveryId: "msg-1",
  eventType: "PNR_V3",
  operation: "TEST_APPLIED",
  traceId: "80f198ee56343ba864fe8b2a57d3eff7",
  ...fields,
});

describe("recordOutcomes", () => {
  it("records each fate as its outcome, with why where there is one", () => {
    const failure = new Error("down");
    const cases: Array<[Fate, Record<string, unknown>]> = [
      [{ kind: "applied", event }, { outcome: "completed" }],
      [
        { kind: "applied-before" },
        {
          outcome: "completed",
          reason: "counted completed before the worker stopped; not run again",
        },
      ],
      [
        { kind: "stale", event, order, newest: { ...order, version: 3 } },
        { outcome: "skipped_stale", reason: "version 2 is older than applied 3" },
      ],
      [
        { kind: "retry", error: failure, why: "Error: down" },
        { outcome: "retried", reason: "Error: down" },
      ],
      [
        { kind: "dead-letter", reason: "permanent-error", error: "PermanentError: no" },
        { outcome: "dead_lettered", reason: "permanent-error: PermanentError: no" },
      ],
      [{ kind: "interrupted" }, { outcome: "interrupted" }],
    ];
    for (const [fate, fields] of cases)
      expect(observe(fate).outcomes, fate.kind).toStrictEqual([recorded(fields)]);
  });

  it("records nothing for a job whose entity was busy: it did not run", () => {
    expect(observe({ kind: "busy", entity: "pnr:PNR1", delayMs: 1 }).outcomes).toEqual([]);
  });

  it("says '-' for the versions of positions ordered by their timestamps", () => {
    const fate: Fate = {
      kind: "stale",
      event,
      order: { entity: "pnr:PNR1", timestampMs: 1 },
      newest: { entity: "pnr:PNR1", timestampMs: 2 },
    };
    expect(observe(fate).outcomes[0]).toMatchObject({
      reason: "version - is older than applied -",
    });
  });

  it("records job data that is not an event with the job's ids only, and no age", () => {
    const fate: Fate = { kind: "dead-letter", reason: "invalid-job", error: "job data is not…" };
    expect(observe(fate, { event: undefined }).outcomes).toStrictEqual([
      {
        kind: "job",
        outcome: "dead_lettered",
        queue: "{pnr-v3.test-applied}",
        jobId: "wh-msg-1",
        attempt: 2,
        durationSec: expect.any(Number),
        eventAgeSec: undefined,
        reason: "invalid-job: job data is not…",
      },
    ]);
  });
});

describe("markSpans", () => {
  it("gives the span the event's ids and the outcome", () => {
    const { span } = observe({ kind: "applied", event });
    expect(span?.attributes).toStrictEqual({
      "skyhook.delivery_id": "msg-1",
      "spotnana.event_type": "PNR_V3",
      "spotnana.operation": "TEST_APPLIED",
      "spotnana.b3.trace_id": "80f198ee56343ba864fe8b2a57d3eff7",
      "skyhook.outcome": "completed",
    });
    expect(span?.status).toEqual({ code: SpanStatusCode.UNSET });
  });

  it("marks a retried run failed with the error's name and why", () => {
    const { span } = observe({ kind: "retry", error: new TypeError("x"), why: "TypeError: x" });
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: "TypeError: x" });
    expect(span?.attributes).toMatchObject({
      "error.type": "TypeError",
      "skyhook.outcome": "retried",
    });
  });

  it("names a thrown value that is not an Error by its type", () => {
    const { span } = observe({ kind: "retry", error: "bare", why: "bare" });
    expect(span?.attributes["error.type"]).toBe("string");
  });

  it("marks a dead-lettered run failed with the dead-letter reason", () => {
    const { span } = observe({ kind: "dead-letter", reason: "invalid-payload", error: "bad" });
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: "bad" });
    expect(span?.attributes).toMatchObject({
      "skyhook.reason": "invalid-payload",
      "error.type": "invalid-payload",
      "skyhook.outcome": "dead_lettered",
    });
  });

  it("says why a busy entity's run left, with no outcome", () => {
    const { span } = observe({ kind: "busy", entity: "pnr:PNR1", delayMs: 1 });
    expect(span?.attributes["skyhook.reason"]).toBe("entity-busy");
    expect(span?.attributes["skyhook.outcome"]).toBeUndefined();
  });

  it("leaves out the B3 id of an event sent without one, and event ids of data that is not one", () => {
    const { trace: _b3, ...rest } = event;
    const bare = { ...rest, trace: { requestId: "req-1" } };
    expect(
      observe({ kind: "applied", event: bare }, { event: bare }).span?.attributes,
    ).not.toHaveProperty("spotnana.b3.trace_id");
    const fate: Fate = { kind: "dead-letter", reason: "invalid-job", error: "x" };
    expect(observe(fate, { event: undefined }).span?.attributes).not.toHaveProperty(
      "skyhook.delivery_id",
    );
  });
});
