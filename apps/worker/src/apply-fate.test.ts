import { randomUUID } from "node:crypto";
import { INVALID_SPAN_CONTEXT, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import {
  type DeadLetterJob,
  defineOperation,
  type EntityOrder,
  EventJob,
  type StaleEventJob,
} from "@skyhook/contracts";
import {
  createDeadLetterWriter,
  createDownstreamBreaker,
  createLedger,
  createQueuePool,
  createStaleWriter,
  deadLetterJobId,
  keyNames,
  staleJobId,
} from "@skyhook/queue-kit";
import { DelayedError, type Job, RateLimitError, UnrecoverableError, Worker } from "bullmq";
import { pino } from "pino";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { connect, deletePrefix, uniquePrefix } from "../../../test/support/redis.ts";
import { createFateApplier } from "./apply-fate.ts";
import { createDownstreamGate } from "./downstream-gate.ts";
import { createEntityGuard, type EntityLock } from "./entity-guard.ts";
import type { Decision, Fate, JobRun } from "./fate.ts";

/**
 * The applier against real Redis and BullMQ: jobs a Worker really holds, the real dead-letter
 * and stale writers, ledger and entity guard. Each fate is given as a value and what it does to
 * Redis, to BullMQ and to the observers is read back.
 */
const redis = connect();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => redis.disconnect());

const spec = defineOperation({
  eventType: "PNR_V3",
  operation: "TEST_APPLIED",
  payload: z.object({ pnrId: z.string() }),
});
const names = spec.queues;
const jobId = "wh-msg-1";
const entity = "pnr:PNR1";
const clock = new Date("2026-11-27T10:00:30.000Z");
const data = {
  v: 1,
  deliveryId: "msg-1",
  deliveryIdSource: "webhook-id",
  subscription: "spotnana",
  receivedAt: "2026-11-27T10:00:01.000Z",
  eventType: "PNR_V3",
  operation: "TEST_APPLIED",
  keys: { pnrId: "PNR1", version: 2 },
  trace: { requestId: "req-1" },
  envelope: { payload: { pnrId: "PNR1" } },
};
const event = EventJob.parse(data);
const order: EntityOrder = { entity, version: 2 };

function setup() {
  const prefix = uniquePrefix("apply-fate");
  const keys = keyNames(prefix);
  const queues = createQueuePool({ connection: redis, prefix, logger: pino({ level: "silent" }) });
  const queue = queues.get(names.queue);
  const ledger = createLedger(redis, keys);
  const entities = createEntityGuard(redis, keys, { lockMs: 10_000, markTtlSec: 600 });
  const seen: Array<{ run: JobRun; decision: Decision }> = [];
  const steps: string[] = [];
  const breaker = createDownstreamBreaker(redis, keys, {
    failureThreshold: 2,
    baseIntervalMs: 5_000,
    maxIntervalMs: 60_000,
  });
  const downstream = createDownstreamGate({
    breaker,
    queue: names.queue,
    refreshMs: 60_000,
    probeTtlMs: 10_000,
    onError: () => undefined,
    onProbe: () => undefined,
  });
  const applier = createFateApplier({
    names,
    deadLetters: createDeadLetterWriter({ queues, now: () => clock }),
    staleEvents: createStaleWriter({ queues, now: () => clock }),
    ledger: {
      async countCompleted(...args) {
        const counted = await ledger.countCompleted(...args);
        steps.push("counted");
        return counted;
      },
      completion: ledger.completion,
    },
    observers: [
      (run, decision) => {
        steps.push("observed");
        seen.push({ run, decision });
      },
    ],
    queue,
    downstream,
    onRecovered: () => steps.push("recovered"),
  });
  let worker: Worker | undefined;
  cleanups.push(async () => {
    downstream.close();
    await worker?.close();
    await queues.close();
    await deletePrefix(redis, prefix);
  });
  const runOf = (job: Job, token?: string): JobRun => ({
    queue: names.queue,
    jobId: job.id ?? "unknown",
    data: job.data,
    attempt: job.attemptsMade + 1,
    maxAttempts: job.opts.attempts ?? 1,
    retryHorizonMs: 3_600_000,
    nextRetryDelayMs: 1_000,
    stalled: false,
    canPutBack: token !== undefined,
    startedMs: Date.now(),
    span: trace.wrapSpanContext(INVALID_SPAN_CONTEXT),
    context: ROOT_CONTEXT,
  });
  return {
    keys,
    queues,
    queue,
    seen,
    steps,
    applier,
    /** A job as a worker holds it: active, locked with the returned token. */
    async take(attempts = 3) {
      await queue.add("PNR_V3.TEST_APPLIED", data, { jobId, attempts });
      worker ??= new Worker(names.queue, null, { connection: redis, prefix });
      const token = randomUUID();
      const job = await worker.getNextJob(token, { block: false });
      if (job === undefined) throw new Error("the job just added was not handed out");
      return { job, token };
    },
    /** Applies `fate` to a held job, holding the entity's lock first when `held`. */
    async apply(fate: Fate, options: { held?: boolean; token?: boolean; attempts?: number } = {}) {
      const { job, token } = await this.take(options.attempts);
      const taken = options.held === true ? await entities.lock(entity) : undefined;
      const lock: EntityLock | undefined = taken && {
        ...taken,
        async completeAndRelease(...args) {
          await taken.completeAndRelease(...args);
          steps.push("counted");
        },
      };
      const hold = lock === undefined ? undefined : { lock, order };
      const decision: Decision = { fate, event, hold };
      const given = options.token === false ? undefined : token;
      const applied = applier.apply(job, given, runOf(job, given), decision);
      return { job, decision, applied };
    },
    ledgerCounts: () => redis.hgetall(keys.ledger(names.queue)),
    newest: async () => JSON.parse((await redis.get(keys.entityNewest(entity))) ?? "null"),
    locked: async () => (await redis.exists(keys.entityLock(entity))) === 1,
    deadLetter: async () =>
      (await queues.get(names.deadLetter).getJob(deadLetterJobId(jobId)))?.data as
        | DeadLetterJob
        | undefined,
    kept: async () =>
      (await queues.get(names.stale).getJob(staleJobId(jobId)))?.data as StaleEventJob | undefined,
    runOf,
    breaker,
    rateLimitTtl: () => queue.getRateLimitTtl(),
  };
}

describe("applyFate: applied", () => {
  it("counts the job, records its entity's position and releases the entity, then observes, and returns so BullMQ completes it", async () => {
    const t = setup();
    const { applied, decision } = await t.apply({ kind: "applied", event }, { held: true });
    await expect(applied).resolves.toBeUndefined();
    expect(await t.ledgerCounts()).toEqual({ "completed|spotnana|PNR_V3|TEST_APPLIED": "1" });
    expect(await t.newest()).toEqual({ entity, version: 2 });
    expect(await t.locked()).toBe(false);
    expect(t.steps).toEqual(["counted", "observed"]);
    expect(t.seen.map((s) => s.decision)).toEqual([decision]);
    expect(t.seen[0]?.run.jobId).toBe(jobId);
  });

  it("counts an event that names no entity without any entity step", async () => {
    const t = setup();
    const { applied } = await t.apply({ kind: "applied", event });
    await applied;
    expect(await t.ledgerCounts()).toEqual({ "completed|spotnana|PNR_V3|TEST_APPLIED": "1" });
    expect(await t.newest()).toBeNull();
  });

  it("still releases the entity, and tells no observer, when recording its position fails", async () => {
    const t = setup();
    const { job, token } = await t.take();
    const lock = await createEntityGuard(redis, t.keys, { lockMs: 10_000, markTtlSec: 600 }).lock(
      entity,
    );
    if (lock === undefined) throw new Error("the entity was busy");
    // Its position became unreadable after the lock was taken: the script that records the
    // new one and releases the lock fails before releasing it.
    await redis.set(t.keys.entityNewest(entity), "not json");
    const decision: Decision = { fate: { kind: "applied", event }, event, hold: { lock, order } };
    await expect(t.applier.apply(job, token, t.runOf(job, token), decision)).rejects.toThrow(
      /Expected value/,
    );
    expect(await t.locked()).toBe(false);
    expect(t.seen).toEqual([]);
  });
});

describe("applyFate: a failed step without an entity", () => {
  it("passes on the count's own error when no entity is held", async () => {
    const t = setup();
    // The ledger's key holds another type: Redis answers the count with an error.
    await redis.set(t.keys.ledger(names.queue), "not a hash");
    const { applied } = await t.apply({ kind: "applied", event });
    await expect(applied).rejects.toThrow(/WRONGTYPE/);
    expect(t.seen).toEqual([]);
  });
});

describe("applyFate: applied before", () => {
  it("records the entity's position without counting again, and returns", async () => {
    const t = setup();
    const { applied } = await t.apply({ kind: "applied-before" }, { held: true });
    await expect(applied).resolves.toBeUndefined();
    expect(await t.ledgerCounts()).toEqual({});
    expect(await t.newest()).toEqual({ entity, version: 2 });
    expect(await t.locked()).toBe(false);
    expect(t.seen).toHaveLength(1);
  });
});

describe("applyFate: applied before, no entity", () => {
  it("returns for an event that names no entity, recording nothing", async () => {
    const t = setup();
    const { applied } = await t.apply({ kind: "applied-before" });
    await expect(applied).resolves.toBeUndefined();
    expect(await t.newest()).toBeNull();
    expect(await t.ledgerCounts()).toEqual({});
  });
});

describe("applyFate: stale", () => {
  it("keeps the event whole in the stale queue, releases the entity without moving its position, and returns", async () => {
    const t = setup();
    const newest = { entity, version: 3 };
    const { applied } = await t.apply({ kind: "stale", event, order, newest }, { held: true });
    await expect(applied).resolves.toBeUndefined();
    expect(await t.kept()).toEqual({
      v: 1,
      event,
      stale: { queue: names.queue, jobId, order, newest, skippedAt: clock.toISOString() },
    });
    expect(await t.newest()).toBeNull();
    expect(await t.locked()).toBe(false);
    expect(await t.ledgerCounts()).toEqual({});
  });
});

describe("applyFate: stale, no entity held", () => {
  it("keeps the event and returns when no entity is held", async () => {
    const t = setup();
    const newest = { entity, version: 3 };
    const { applied } = await t.apply({ kind: "stale", event, order, newest });
    await expect(applied).resolves.toBeUndefined();
    expect(await t.kept()).toMatchObject({ stale: { order, newest } });
  });
});

describe("applyFate: retry", () => {
  it("releases the entity and hands BullMQ the handler's own error, writing nothing", async () => {
    const t = setup();
    const failure = new Error("downstream answered 503");
    const { applied } = await t.apply(
      { kind: "retry", error: failure, why: "Error: downstream answered 503" },
      { held: true },
    );
    await expect(applied).rejects.toBe(failure);
    expect(await t.locked()).toBe(false);
    expect(await t.deadLetter()).toBeUndefined();
    expect(await t.ledgerCounts()).toEqual({});
    expect(t.seen).toHaveLength(1);
  });
});

describe("applyFate: the downstream's breaker", () => {
  it("holds the whole queue for the downstream's Retry-After and hands BullMQ a rate-limit error, spending no attempt", async () => {
    const t = setup();
    const { applied } = await t.apply(
      { kind: "held", why: "answered 503", by: "downstream", retryAfterMs: 30_000 },
      { held: true },
    );
    await expect(applied).rejects.toBeInstanceOf(RateLimitError);
    expect(await t.rateLimitTtl()).toBeGreaterThan(29_000);
    expect(await t.breaker.state(names.queue)).toMatchObject({ state: "open", failures: 1 });
    expect(await t.locked()).toBe(false);
    expect(await t.deadLetter()).toBeUndefined();
    expect(t.seen).toHaveLength(1);
  });

  it("holds the queue for what the breaker has left when it does not admit a run", async () => {
    const t = setup();
    const { applied } = await t.apply({ kind: "held", why: "open", by: "breaker", holdMs: 4_000 });
    await expect(applied).rejects.toBeInstanceOf(RateLimitError);
    const ttl = await t.rateLimitTtl();
    expect(ttl).toBeGreaterThan(3_000);
    expect(ttl).toBeLessThanOrEqual(4_000);
    expect(await t.breaker.state(names.queue)).toEqual({ state: "closed", failures: 0 });
  });

  it("opens the breaker on repeated retryable failures and holds the queue, the job still retried", async () => {
    const t = setup();
    const failure = new Error("answered 500");
    const retry = { kind: "retry", error: failure, why: "Error: answered 500" } as const;
    await expect((await t.apply(retry)).applied).rejects.toBe(failure);
    expect(await t.rateLimitTtl()).toBeLessThanOrEqual(0);
    await t.queue.obliterate({ force: true });
    await expect((await t.apply(retry)).applied).rejects.toBe(failure);
    expect(await t.rateLimitTtl()).toBeGreaterThan(4_000);
    expect(await t.breaker.state(names.queue)).toMatchObject({ state: "open", failures: 2 });
  });

  it("closes an open breaker when a run succeeds, and says the downstream is back", async () => {
    const t = setup();
    await t.breaker.failed(names.queue, { unavailable: true, retryAfterMs: undefined, nowMs: 0 });
    const { applied: opened } = await t.apply(
      { kind: "held", why: "503", by: "downstream", retryAfterMs: undefined },
      { held: true },
    );
    await expect(opened).rejects.toBeInstanceOf(RateLimitError);
    await t.queue.obliterate({ force: true });
    await t.queue.removeRateLimitKey();
    const { applied } = await t.apply({ kind: "applied", event });
    await expect(applied).resolves.toBeUndefined();
    expect(await t.breaker.state(names.queue)).toEqual({ state: "closed", failures: 0 });
    expect(t.steps).toContain("recovered");
  });
});

describe("applyFate: dead letter", () => {
  it("keeps the event with why before failing the job for good with an UnrecoverableError", async () => {
    const t = setup();
    const error = "PermanentError: booking contradicts stored state";
    const { applied } = await t.apply(
      { kind: "dead-letter", reason: "permanent-error", error },
      { held: true },
    );
    await expect(applied).rejects.toStrictEqual(new UnrecoverableError(error));
    expect(await t.deadLetter()).toEqual({
      v: 1,
      event: data,
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
  });

  it("hands BullMQ the error the fate names as thrown (the last attempt's own)", async () => {
    const t = setup();
    const failure = new Error("still down");
    const { applied } = await t.apply({
      kind: "dead-letter",
      reason: "retries-exhausted",
      error: "Error: still down",
      thrown: failure,
    });
    await expect(applied).rejects.toBe(failure);
    expect(await t.deadLetter()).toMatchObject({ failure: { reason: "retries-exhausted" } });
  });
});

describe("applyFate: put back", () => {
  it("puts a job whose entity is busy back after the fate's delay, spending no attempt", async () => {
    const t = setup();
    const before = Date.now();
    const { job, applied } = await t.apply(
      { kind: "busy", entity, delayMs: 15_000 },
      { attempts: 1 },
    );
    await expect(applied).rejects.toBeInstanceOf(DelayedError);
    expect(job.delay).toBeGreaterThan(15_000 - 1_000);
    expect(job.delay).toBeLessThanOrEqual(15_000);
    expect(await t.queue.getJobState(jobId)).toBe("delayed");
    const delayedUntil = Number(await redis.zscore(t.queue.toKey("delayed"), jobId));
    expect(delayedUntil).toBeGreaterThanOrEqual(before + 15_000);
    expect((await t.queue.getJob(jobId))?.attemptsMade).toBe(0);
    expect(t.seen).toHaveLength(1);
  });

  it("fails a job whose entity is busy when it cannot be put back (no lock token)", async () => {
    const t = setup();
    const { applied } = await t.apply({ kind: "busy", entity, delayMs: 15_000 }, { token: false });
    await expect(applied).rejects.toStrictEqual(new Error(`entity ${entity} is busy`));
    expect(await t.queue.getJobState(jobId)).toBe("active");
  });

  it("fails an interrupted job that cannot be put back (no lock token), saying so", async () => {
    const t = setup();
    const { applied } = await t.apply({ kind: "interrupted" }, { token: false });
    await expect(applied).rejects.toStrictEqual(
      new Error("interrupted by shutdown without BullMQ's lock token"),
    );
  });

  it("puts an interrupted job back at once, releasing its entity and writing nothing", async () => {
    const t = setup();
    const { job, applied } = await t.apply({ kind: "interrupted" }, { held: true, attempts: 1 });
    await expect(applied).rejects.toBeInstanceOf(DelayedError);
    expect(job.delay).toBe(0);
    expect(await t.queue.getJobState(jobId)).toBe("delayed");
    expect((await t.queue.getJob(jobId))?.attemptsMade).toBe(0);
    expect(await t.locked()).toBe(false);
    expect(await t.deadLetter()).toBeUndefined();
  });
});

describe("keepFailed", () => {
  it("dead-letters a job BullMQ failed as stalled, once, telling the observers once", async () => {
    const t = setup();
    const { job } = await t.take();
    const stalled = new Error("job stalled more than allowable limit");
    await t.applier.keepFailed(job, stalled);
    await t.applier.keepFailed(job, stalled);
    expect(await t.deadLetter()).toMatchObject({
      failure: { reason: "stalled", error: "job stalled more than allowable limit" },
    });
    expect(t.seen.map((s) => s.decision)).toEqual([
      {
        fate: {
          kind: "dead-letter",
          reason: "stalled",
          error: "job stalled more than allowable limit",
        },
        event: undefined,
        hold: undefined,
      },
    ]);
    expect(t.seen[0]?.run).toMatchObject({ jobId, attempt: 0, stalled: true });
  });

  it("dead-letters any other terminal failure as retries-exhausted, with its causes", async () => {
    const t = setup();
    const { job } = await t.take();
    await t.applier.keepFailed(job, new Error("lock lost", { cause: new Error("timeout") }));
    expect(await t.deadLetter()).toMatchObject({
      failure: { reason: "retries-exhausted", error: "Error: lock lost ← Error: timeout" },
    });
  });

  it("leaves a dead letter the processor already wrote, telling nobody", async () => {
    const t = setup();
    const { applied, job } = await t.apply({
      kind: "dead-letter",
      reason: "permanent-error",
      error: "PermanentError: no",
    });
    await applied.catch(() => undefined);
    t.seen.length = 0;
    await t.applier.keepFailed(job, new Error("PermanentError: no"));
    expect(await t.deadLetter()).toMatchObject({ failure: { reason: "permanent-error" } });
    expect(t.seen).toEqual([]);
  });
});
