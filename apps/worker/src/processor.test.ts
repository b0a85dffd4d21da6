import { randomUUID } from "node:crypto";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import {
  type DeadLetterJob,
  defaultRetryPolicy,
  defineOperation,
  type StaleEventJob,
} from "@skyhook/contracts";
import { type HandlerContext, type HandlerEvent, PermanentError } from "@skyhook/handler-kit";
import {
  createDeadLetterWriter,
  createDownstreamBreaker,
  createLedger,
  createQueuePool,
  createStaleWriter,
  deadLetterJobId,
  type JobOutcome,
  keyNames,
  type Outcome,
  staleJobId,
} from "@skyhook/queue-kit";
import { DelayedError, Job, type JobsOptions, UnrecoverableError, Worker } from "bullmq";
import { pino } from "pino";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { type FinishedSpan, memoryTracing } from "../../../test/support/memory-tracing.ts";
import { connect, deletePrefix, uniquePrefix } from "../../../test/support/redis.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import { createDownstreamGate } from "./downstream-gate.ts";
import { createEntityGuard } from "./entity-guard.ts";
import { createProcessor } from "./processor.ts";

/**
 * The processor over real Redis and BullMQ (queues, dead-letter and stale writers, the entity
 * guard, the ledger, Jobs a Worker really holds), with a stub handler and a sink that keeps
 * every outcome, so each fate is asserted exactly as logs, metrics and traces would see it.
 */
const redis = connect();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => redis.disconnect());

const spec = defineOperation({
  eventType: "PNR_V3",
  operation: "TEST_APPLIED",
  payload: z.object({
    pnrId: z.string(),
    version: z.number().int(),
    seat: z.object({ row: z.number() }).optional(),
  }),
});
const names = spec.queues;
const jobName = "PNR_V3.TEST_APPLIED";
const jobId = "wh-msg-1";
const sentAt = "2026-11-27T10:00:00.000Z";
const clock = new Date("2026-11-27T10:00:30.000Z");
const now = () => clock;
const b3 = { traceId: "80f198ee56343ba864fe8b2a57d3eff7", spanId: "e457b5a2e4d86bd1" };
const deps = { store: "the handler's own dependencies" };
const entity = "pnr:PNR1";
const busyDelayMs = 10_000;

type Data = Record<string, unknown>;

/** The job data the ingress writes for a delivery, with parts replaced. */
function eventData(
  overrides: { keys?: Data; envelope?: Data; trace?: Data; payload?: Data } = {},
): Data {
  return {
    v: 1,
    deliveryId: "msg-1",
    deliveryIdSource: "webhook-id",
    subscription: "spotnana",
    receivedAt: "2026-11-27T10:00:01.000Z",
    eventType: "PNR_V3",
    operation: "TEST_APPLIED",
    keys: overrides.keys ?? { pnrId: "PNR1", version: 2 },
    trace: overrides.trace ?? { requestId: "req-1", traceId: b3.traceId, spanId: b3.spanId },
    envelope: overrides.envelope ?? {
      event_type: "PNR_V3",
      operation: "TEST_APPLIED",
      timestamp: sentAt,
      payload: overrides.payload ?? { pnrId: "PNR1", version: 2, kept: "by the envelope only" },
    },
  };
}

/** The outcome the processor records for the default event, with fields replaced. */
const outcomeOf = (outcome: JobOutcome["outcome"], fields: Partial<JobOutcome> = {}) => ({
  kind: "job",
  outcome,
  queue: names.queue,
  jobId,
  attempt: 1,
  durationSec: expect.any(Number),
  eventAgeSec: 30,
  deliveryId: "msg-1",
  eventType: "PNR_V3",
  operation: "TEST_APPLIED",
  traceId: b3.traceId,
  ...fields,
});

type Ctx = HandlerContext<typeof deps>;
type Behaviour = (event: HandlerEvent<unknown>, ctx: Ctx, shutdown: AbortController) => unknown;

function setup(options: { handle?: Behaviour; clock?: "injected" | "real" } = {}) {
  const prefix = uniquePrefix("processor");
  const keys = keyNames(prefix);
  const silent = pino({ level: "silent" });
  const queues = createQueuePool({ connection: redis, prefix, logger: silent });
  const queue = queues.get(names.queue);
  const shutdown = new AbortController();
  const outcomes: Outcome[] = [];
  const lines: Data[] = [];
  const logger = pino(
    { level: "info" },
    {
      write: (line: string) => {
        lines.push(JSON.parse(line) as Data);
      },
    },
  );
  const calls: Array<{ event: HandlerEvent<unknown>; ctx: Ctx }> = [];
  const entities = createEntityGuard(redis, keys, { lockMs: 10_000, markTtlSec: 600 });
  const ledger = createLedger(redis, keys);
  const { tracing, memory } = memoryTracing();
  const downstream = createDownstreamGate({
    breaker: createDownstreamBreaker(redis, keys, {
      failureThreshold: 100,
      baseIntervalMs: 1_000,
      maxIntervalMs: 1_000,
    }),
    queue: names.queue,
    refreshMs: 60_000,
    probeTtlMs: 10_000,
    onError: () => undefined,
    onProbe: () => undefined,
  });
  const processor = createProcessor({
    spec,
    handler: {
      eventType: spec.eventType,
      operation: spec.operation,
      handle: async (event, ctx) => {
        calls.push({ event, ctx });
        await options.handle?.(event, ctx, shutdown);
      },
    },
    deps,
    deadLetters: createDeadLetterWriter({ queues, now }),
    staleEvents: createStaleWriter({ queues, now }),
    entities,
    ledger,
    outcomes: {
      record(outcome) {
        outcomes.push(outcome);
      },
      observe() {},
    },
    logger,
    shutdown: shutdown.signal,
    entityBusyDelayMs: busyDelayMs,
    retry: { ...defaultRetryPolicy, attempts: 3 },
    queue,
    downstream,
    tracing,
    ...(options.clock === "real" ? {} : { now }),
  });
  let worker: Worker | undefined;
  cleanups.push(async () => {
    downstream.close();
    await worker?.close();
    await queues.close();
    await deletePrefix(redis, prefix);
  });
  const add = (data: Data, opts: JobsOptions = {}) =>
    queue.add(jobName, data, { jobId, attempts: 3, ...opts });
  return {
    keys,
    queues,
    queue,
    shutdown,
    outcomes,
    lines,
    calls,
    entities,
    ledger,
    run: (job: Job, token?: string) => processor.run(job, token),
    add,
    /** A job as a worker holds it: active, locked with the returned token. */
    async take(data: Data, opts: JobsOptions = {}) {
      await add(data, opts);
      worker ??= new Worker(names.queue, null, { connection: redis, prefix });
      const token = randomUUID();
      const job = await worker.getNextJob(token, { block: false });
      if (job === undefined) throw new Error("the job just added was not handed out");
      return { job, token };
    },
    deadLetter: async () =>
      (await queues.get(names.deadLetter).getJob(deadLetterJobId(jobId)))?.data as
        | DeadLetterJob
        | undefined,
    kept: async () =>
      (await queues.get(names.stale).getJob(staleJobId(jobId)))?.data as StaleEventJob | undefined,
    newest: async () => {
      const raw = await redis.get(keys.entityNewest(entity));
      return raw === null ? undefined : (JSON.parse(raw) as unknown);
    },
    locked: async () => (await redis.exists(keys.entityLock(entity))) === 1,
    /** The job as BullMQ hands it out again after its worker died: its stall counted. */
    async stalled() {
      await redis.hincrby(keys.job(names.queue, jobId), "stc", 1);
      const job = await Job.fromId(queue, jobId);
      if (job === undefined) throw new Error("the job is gone");
      return job;
    },
    /** Sets the entity's applied position as an earlier event would have. */
    async applied(order: { version?: number; timestampMs?: number }) {
      const lock = await entities.lock(entity);
      await lock?.advanceAndRelease({ entity, ...order });
    },
    span: (kind: SpanKind): FinishedSpan => {
      const found = memory.getFinishedSpans().filter((s) => s.kind === kind);
      expect(found, `finished spans of kind ${SpanKind[kind]}`).toHaveLength(1);
      return found[0] as FinishedSpan;
    },
  };
}

describe("processor: a handled event", () => {
  it("calls the handler with the validated event and its context, counts it, records completed", async () => {
    const t = setup({ handle: (_event, ctx) => ctx.logger.info({ step: "applied" }, "handled") });
    const job = await t.add(eventData());
    await t.run(job);

    expect(t.calls).toHaveLength(1);
    const [call] = t.calls;
    expect(call?.event).toStrictEqual({
      eventType: "PNR_V3",
      operation: "TEST_APPLIED",
      payload: { pnrId: "PNR1", version: 2 },
      envelope: eventData().envelope,
      keys: { pnrId: "PNR1", version: 2 },
      receivedAt: new Date("2026-11-27T10:00:01.000Z"),
    });
    expect(call?.ctx).toMatchObject({ idempotencyKey: "msg-1", attempt: 1, deps });
    expect(call?.ctx.signal).toBe(t.shutdown.signal);
    expect(call?.ctx.now).toBe(now);
    expect(t.lines).toEqual([
      expect.objectContaining({
        msg: "handled",
        step: "applied",
        eventType: "PNR_V3",
        operation: "TEST_APPLIED",
        deliveryId: "msg-1",
        jobId,
        attempt: 1,
        traceId: b3.traceId,
      }),
    ]);
    expect(t.outcomes).toStrictEqual([outcomeOf("completed")]);
    expect(await redis.hgetall(t.keys.ledger(names.queue))).toEqual({
      "completed|spotnana|PNR_V3|TEST_APPLIED": "1",
    });
    expect(await t.newest()).toEqual({ entity, version: 2, timestampMs: Date.parse(sentAt) });
    expect(await t.locked()).toBe(false);
  });

  it("records how long the run took, in seconds", async () => {
    const t = setup({
      handle: async () => {
        const startedMs = Date.now();
        await waitFor("50 ms to pass", () => (Date.now() - startedMs >= 50 ? true : undefined));
      },
    });
    await t.run(await t.add(eventData()));
    const [outcome] = t.outcomes as JobOutcome[];
    expect(outcome?.durationSec).toBeGreaterThanOrEqual(0.05);
    // Seconds, not milliseconds: an hour is far beyond any run and far below a millisecond count.
    expect(outcome?.durationSec).toBeLessThan(3_600);
  });

  it("ages events and gives handlers the time by the real clock when none is injected", async () => {
    const t = setup({ clock: "real" });
    const sent = new Date(Date.now() - 60_000).toISOString();
    const data = eventData({
      envelope: { timestamp: sent, payload: { pnrId: "PNR1", version: 2 } },
    });
    await t.run(await t.add(data));
    const [outcome] = t.outcomes as JobOutcome[];
    expect(outcome?.eventAgeSec).toBeGreaterThanOrEqual(60);
    expect(outcome?.eventAgeSec).toBeLessThan(3_600);
    const handlerNowMs = t.calls[0]?.ctx.now().getTime() ?? 0;
    expect(Math.abs(handlerNowMs - Date.now())).toBeLessThan(3_600_000);
  });

  it("gives an event without an envelope timestamp no age", async () => {
    const t = setup();
    await t.run(await t.add(eventData({ envelope: { payload: { pnrId: "PNR1", version: 2 } } })));
    expect(t.outcomes).toStrictEqual([outcomeOf("completed", { eventAgeSec: undefined })]);
  });

  it("runs an event that names no entity without the entity guard", async () => {
    const t = setup();
    await t.run(await t.add(eventData({ keys: {} })));
    expect(t.calls).toHaveLength(1);
    expect(t.outcomes).toStrictEqual([outcomeOf("completed")]);
    expect(await t.newest()).toBeUndefined();
  });
});

describe("processor: a failing handler", () => {
  it("rethrows a handler's error for BullMQ to retry, recording retried with the attempt and every cause", async () => {
    const failure = new Error("downstream answered 503", { cause: new TypeError("fetch failed") });
    const t = setup({
      handle: () => {
        throw failure;
      },
    });
    const { job, token } = await t.take(eventData());
    job.attemptsMade = 1;
    await expect(t.run(job, token)).rejects.toBe(failure);

    const reason = "Error: downstream answered 503 ← TypeError: fetch failed";
    expect(t.calls[0]?.ctx.attempt).toBe(2);
    expect(t.outcomes).toStrictEqual([outcomeOf("retried", { attempt: 2, reason })]);
    expect(await t.deadLetter()).toBeUndefined();
    expect(await t.newest()).toBeUndefined();
    expect(await t.locked()).toBe(false);
    expect(await redis.hgetall(t.keys.ledger(names.queue))).toEqual({});
    const consumer = t.span(SpanKind.CONSUMER);
    expect(consumer.status).toEqual({ code: SpanStatusCode.ERROR, message: reason });
    expect(consumer.attributes).toMatchObject({
      "error.type": "Error",
      "skyhook.attempt": 2,
      "skyhook.outcome": "retried",
    });
    const handler = t.span(SpanKind.INTERNAL);
    expect(handler.status).toEqual({ code: SpanStatusCode.ERROR, message: reason });
    expect(handler.attributes).toEqual({ "error.type": "Error" });
  });

  it("names a thrown value that is not an Error by its type", async () => {
    const t = setup({
      handle: () => {
        throw "a bare string";
      },
    });
    await expect(t.run(await t.add(eventData()))).rejects.toBe("a bare string");
    expect(t.outcomes).toStrictEqual([outcomeOf("retried", { reason: "a bare string" })]);
    expect(t.span(SpanKind.CONSUMER).attributes["error.type"]).toBe("string");
    expect(t.span(SpanKind.INTERNAL).attributes["error.type"]).toBe("string");
  });

  it("dead-letters a PermanentError at once, before failing the job for good", async () => {
    const t = setup({
      handle: () => {
        throw new PermanentError("booking contradicts stored state");
      },
    });
    const error = "PermanentError: booking contradicts stored state";
    await expect(t.run(await t.add(eventData()))).rejects.toStrictEqual(
      new UnrecoverableError(error),
    );
    expect(t.outcomes).toStrictEqual([
      outcomeOf("dead_lettered", { reason: `permanent-error: ${error}` }),
    ]);
    expect(await t.deadLetter()).toEqual({
      v: 1,
      event: eventData(),
      failure: {
        reason: "permanent-error",
        error,
        queue: names.queue,
        jobId,
        attemptsMade: 0,
        history: [{ attempt: 1, error }],
        deadLetteredAt: clock.toISOString(),
      },
    });
    expect(await t.locked()).toBe(false);
    const consumer = t.span(SpanKind.CONSUMER);
    expect(consumer.status).toEqual({ code: SpanStatusCode.ERROR, message: error });
    expect(consumer.attributes).toMatchObject({
      "skyhook.reason": "permanent-error",
      "error.type": "permanent-error",
      "skyhook.outcome": "dead_lettered",
    });
  });

  it("dead-letters the failure of the last attempt as retries-exhausted, rethrowing the error", async () => {
    const failure = new Error("still down");
    const t = setup({
      handle: () => {
        throw failure;
      },
    });
    const job = await t.add(eventData());
    job.attemptsMade = 2;
    await expect(t.run(job)).rejects.toBe(failure);
    expect(t.outcomes).toStrictEqual([
      outcomeOf("dead_lettered", { attempt: 3, reason: "retries-exhausted: Error: still down" }),
    ]);
    expect(await t.deadLetter()).toMatchObject({
      failure: { reason: "retries-exhausted", error: "Error: still down", attemptsMade: 2 },
    });
  });

  it("gives a job without an attempts option one attempt", async () => {
    const t = setup({
      handle: () => {
        throw new Error("down");
      },
    });
    const job = await t.add(eventData(), { attempts: undefined });
    await expect(t.run(job)).rejects.toThrow("down");
    expect(t.outcomes).toStrictEqual([
      outcomeOf("dead_lettered", { reason: "retries-exhausted: Error: down" }),
    ]);
  });
});

describe("processor: data that cannot be handled", () => {
  it("dead-letters job data that is not a Skyhook event, naming every failing path", async () => {
    const t = setup();
    const data = { v: 2, trace: {}, envelope: { payload: {} } };
    // Built, not added: a job read back without an id is filed under "unknown".
    const job = new Job(t.queue, jobName, data);
    const reason =
      "job data is not a Skyhook event: v, deliveryId, deliveryIdSource, subscription, " +
      "receivedAt, eventType, operation, keys, trace.requestId";
    await expect(t.run(job)).rejects.toStrictEqual(new UnrecoverableError(reason));
    expect(t.calls).toEqual([]);
    expect(t.outcomes).toStrictEqual([
      {
        kind: "job",
        outcome: "dead_lettered",
        queue: names.queue,
        jobId: "unknown",
        attempt: 1,
        durationSec: expect.any(Number),
        eventAgeSec: undefined,
        reason: `invalid-job: ${reason}`,
      },
    ]);
    const letter = (await t.queues.get(names.deadLetter).getJob(deadLetterJobId("unknown")))?.data;
    expect(letter).toMatchObject({
      event: data,
      failure: { reason: "invalid-job", error: reason },
    });
    const consumer = t.span(SpanKind.CONSUMER);
    expect(consumer.attributes).toStrictEqual({
      "messaging.system": "bullmq",
      "messaging.operation.type": "process",
      "messaging.destination.name": names.queue,
      "messaging.message.id": "unknown",
      "skyhook.attempt": 1,
      "skyhook.outcome": "dead_lettered",
      "skyhook.reason": "invalid-job",
      "error.type": "invalid-job",
    });
  });

  it("dead-letters a payload that fails its operation's schema, naming each field", async () => {
    const t = setup();
    const data = eventData({ payload: { pnrId: 7, version: 2, seat: { row: "A" } } });
    const reason =
      "payload fails the PNR_V3/TEST_APPLIED schema at payload.pnrId, payload.seat.row";
    await expect(t.run(await t.add(data))).rejects.toStrictEqual(new UnrecoverableError(reason));
    expect(t.calls).toEqual([]);
    expect(t.outcomes).toStrictEqual([
      outcomeOf("dead_lettered", { reason: `invalid-payload: ${reason}` }),
    ]);
    expect(await t.deadLetter()).toMatchObject({
      event: data,
      failure: { reason: "invalid-payload", error: reason },
    });
    expect(t.span(SpanKind.CONSUMER).status).toEqual({
      code: SpanStatusCode.ERROR,
      message: reason,
    });
  });
});

describe("processor: ordering within an entity", () => {
  it("skips and keeps an event older than the version its entity has applied", async () => {
    const t = setup();
    await t.applied({ version: 3 });
    await t.run(await t.add(eventData()));
    expect(t.calls).toEqual([]);
    expect(t.outcomes).toStrictEqual([
      outcomeOf("skipped_stale", { reason: "version 2 is older than applied 3" }),
    ]);
    expect(await t.kept()).toEqual({
      v: 1,
      event: eventData(),
      stale: {
        queue: names.queue,
        jobId,
        order: { entity, version: 2, timestampMs: Date.parse(sentAt) },
        newest: { entity, version: 3 },
        skippedAt: clock.toISOString(),
      },
    });
    expect(await t.newest()).toEqual({ entity, version: 3 });
    expect(await t.locked()).toBe(false);
    expect(await redis.hgetall(t.keys.ledger(names.queue))).toEqual({});
    expect(t.span(SpanKind.CONSUMER).attributes["skyhook.outcome"]).toBe("skipped_stale");
  });

  it("says '-' for the versions of an event ordered by its timestamp", async () => {
    const t = setup();
    await t.applied({ timestampMs: Date.parse(sentAt) + 1_000 });
    await t.run(await t.add(eventData({ keys: { pnrId: "PNR1" } })));
    expect(t.outcomes).toStrictEqual([
      outcomeOf("skipped_stale", { reason: "version - is older than applied -" }),
    ]);
  });

  it("handles an event as new as the one applied, and keeps the newer of each position", async () => {
    const t = setup();
    await t.applied({ version: 2, timestampMs: Date.parse(sentAt) + 1_000 });
    await t.run(await t.add(eventData()));
    expect(t.outcomes).toStrictEqual([outcomeOf("completed")]);
    expect(await t.newest()).toEqual({
      entity,
      version: 2,
      timestampMs: Date.parse(sentAt) + 1_000,
    });
  });

  it("finishes a job counted completed before a crash without a stale copy, even once a newer version is applied", async () => {
    const t = setup();
    await t.run(await t.add(eventData()));
    // The worker died before BullMQ finished the job; meanwhile version 3 was applied, and the
    // stalled check handed the job out again.
    await t.applied({ version: 3 });
    const again = await t.stalled();
    await t.run(again);
    expect(t.calls).toHaveLength(1);
    expect(await t.kept()).toBeUndefined();
    expect(await redis.hgetall(t.keys.ledger(names.queue))).toEqual({
      "completed|spotnana|PNR_V3|TEST_APPLIED": "1",
    });
    expect(t.outcomes).toStrictEqual([
      outcomeOf("completed"),
      outcomeOf("completed", {
        reason: "counted completed before the worker stopped; not run again",
      }),
    ]);
    expect(await t.newest()).toEqual({ entity, version: 3, timestampMs: Date.parse(sentAt) });
    expect(await t.locked()).toBe(false);
  });

  it("asks whether a job was counted before only when BullMQ hands it out again", async () => {
    const t = setup();
    const asked = vi.spyOn(t.ledger, "wasCompleted");
    await t.run(await t.add(eventData()));
    await t.run(await t.add(eventData({ keys: {} }), { jobId: "wh-msg-2" }));
    expect(asked).not.toHaveBeenCalled();
  });

  it("runs a stalled job again when it was never counted completed", async () => {
    const t = setup();
    await t.add(eventData());
    await t.run(await t.stalled());
    expect(t.calls).toHaveLength(1);
    expect(t.outcomes).toStrictEqual([outcomeOf("completed")]);
    expect(await redis.hgetall(t.keys.ledger(names.queue))).toEqual({
      "completed|spotnana|PNR_V3|TEST_APPLIED": "1",
    });
  });

  it("does not run an unordered job counted completed before a crash again", async () => {
    const t = setup();
    const data = eventData({ keys: {} });
    await t.run(await t.add(data));
    await t.run(await t.stalled());
    expect(t.calls).toHaveLength(1);
    expect(t.outcomes.map((o) => (o as JobOutcome).outcome)).toEqual(["completed", "completed"]);
  });

  it("puts a job whose entity is busy back, delayed, without spending an attempt or recording an outcome", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    const t = setup();
    const holder = await t.entities.lock(entity);
    const { job, token } = await t.take(eventData(), { attempts: 1 });
    await expect(t.run(job, token)).rejects.toBeInstanceOf(DelayedError);
    // entityBusyDelayMs × (1 + random), less the milliseconds between the two clock reads.
    expect(job.delay).toBeGreaterThan(busyDelayMs * 1.5 - 1_000);
    expect(job.delay).toBeLessThanOrEqual(busyDelayMs * 1.5);
    expect(await t.queue.getJobState(jobId)).toBe("delayed");
    expect((await t.queue.getJob(jobId))?.attemptsMade).toBe(0);
    expect(t.calls).toEqual([]);
    expect(t.outcomes).toEqual([]);
    expect(await t.deadLetter()).toBeUndefined();
    expect(await t.locked()).toBe(true);
    expect(t.span(SpanKind.CONSUMER).attributes["skyhook.reason"]).toBe("entity-busy");
    await holder?.release();
  });

  it("fails a job whose entity is busy when it cannot be put back (no lock token)", async () => {
    const t = setup();
    await t.entities.lock(entity);
    await expect(t.run(await t.add(eventData()))).rejects.toStrictEqual(
      new Error(`entity ${entity} is busy`),
    );
    expect(t.calls).toEqual([]);
    expect(t.outcomes).toEqual([]);
  });
});

describe("processor: shutdown", () => {
  it("puts a job its shutdown interrupted back at once, recording interrupted, dead-lettering nothing", async () => {
    const t = setup({
      handle: (_event, _ctx, shutdown) => {
        shutdown.abort();
        throw new Error("aborted");
      },
    });
    // Its only attempt: a failure would dead-letter it.
    const { job, token } = await t.take(eventData(), { attempts: 1 });
    await expect(t.run(job, token)).rejects.toBeInstanceOf(DelayedError);
    expect(job.delay).toBe(0);
    expect(t.outcomes).toStrictEqual([outcomeOf("interrupted")]);
    expect(await t.deadLetter()).toBeUndefined();
    expect((await t.queue.getJob(jobId))?.attemptsMade).toBe(0);
    expect(await t.locked()).toBe(false);
  });

  it("treats an interrupted job it cannot put back (no lock token) as any failure", async () => {
    const failure = new Error("aborted");
    const t = setup({
      handle: (_event, _ctx, shutdown) => {
        shutdown.abort();
        throw failure;
      },
    });
    await expect(t.run(await t.add(eventData()))).rejects.toBe(failure);
    expect(t.outcomes).toStrictEqual([outcomeOf("retried", { reason: "Error: aborted" })]);
  });
});

describe("processor: tracing", () => {
  const caller = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" };

  it("runs a job in a consumer span continuing the delivery's trace, the handler's span beneath it", async () => {
    const t = setup();
    const carrier = { traceparent: `00-${caller.traceId}-${caller.spanId}-01` };
    const trace = { requestId: "req-1", traceId: b3.traceId, spanId: b3.spanId, carrier };
    await t.run(await t.add(eventData({ trace })));

    const consumer = t.span(SpanKind.CONSUMER);
    expect(consumer.name).toBe(`process ${names.queue}`);
    expect(consumer.spanContext().traceId).toBe(caller.traceId);
    expect(consumer.parentSpanContext?.spanId).toBe(caller.spanId);
    expect(consumer.status).toEqual({ code: SpanStatusCode.UNSET });
    expect(consumer.attributes).toStrictEqual({
      "messaging.system": "bullmq",
      "messaging.operation.type": "process",
      "messaging.destination.name": names.queue,
      "messaging.message.id": jobId,
      "skyhook.attempt": 1,
      "skyhook.delivery_id": "msg-1",
      "spotnana.event_type": "PNR_V3",
      "spotnana.operation": "TEST_APPLIED",
      "spotnana.b3.trace_id": b3.traceId,
      "skyhook.outcome": "completed",
    });

    const handler = t.span(SpanKind.INTERNAL);
    expect(handler.name).toBe("handle PNR_V3/TEST_APPLIED");
    expect(handler.spanContext().traceId).toBe(caller.traceId);
    expect(handler.parentSpanContext?.spanId).toBe(consumer.spanContext().spanId);
    expect(handler.status).toEqual({ code: SpanStatusCode.UNSET });
    expect(t.calls[0]?.ctx.trace.headers()).toEqual({
      traceparent: `00-${caller.traceId}-${handler.spanContext().spanId}-01`,
      "X-B3-TraceId": b3.traceId,
      "X-B3-SpanId": b3.spanId,
    });
  });

  it("starts a trace of its own for a job without trace context or B3 ids", async () => {
    const t = setup();
    await t.run(await t.add(eventData({ trace: { requestId: "req-1" } })));
    const consumer = t.span(SpanKind.CONSUMER);
    expect(consumer.parentSpanContext).toBeUndefined();
    expect(consumer.attributes["spotnana.b3.trace_id"]).toBeUndefined();
    expect(consumer.attributes["skyhook.delivery_id"]).toBe("msg-1");
    expect(t.outcomes).toStrictEqual([outcomeOf("completed", { traceId: undefined })]);
  });
});
