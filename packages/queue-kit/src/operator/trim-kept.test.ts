import {
  type DeadLetterJob,
  type EventJob,
  type FilteredEventJob,
  queueNamesFor,
  rejectedQueueName,
  unroutedQueueNames,
} from "@skyhook/contracts";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { prefixedRedis } from "../../../../test/support/redis.ts";
import { deadLetterJobId, filteredJobId, webhookJobId } from "../job-ids.ts";
import { createKeptSweeper } from "../kept-sweeper.ts";
import { keyNames } from "../keys.ts";
import { createLedger } from "../ledger.ts";
import { createOutcomeSink, type Outcome } from "../outcome.ts";
import { createQueuePool } from "../queue-pool.ts";
import { readAudit } from "./audit.ts";
import type { Holder } from "./kept-event.ts";
import { trimKept } from "./trim-kept.ts";

const rig = prefixedRedis();
const { redis } = rig;
const logger = pino({ level: "silent" });
afterAll(rig.cleanUp);

const cancelled = queueNamesFor("PNR_V3", "FLIGHT_CANCELLED");
const hourMs = 3_600_000;
const now = Date.parse("2026-12-01T12:00:00.000Z");
const deadLetters: Holder = {
  location: "dead-letter",
  heldIn: cancelled.deadLetter,
  ledgerQueue: cancelled.queue,
};
const catchAll: Holder = {
  location: "catch-all",
  heldIn: unroutedQueueNames.queue,
  ledgerQueue: unroutedQueueNames.queue,
};
const rejected: Holder = {
  location: "rejected",
  heldIn: rejectedQueueName,
  ledgerQueue: rejectedQueueName,
};
const filtered: Holder = {
  location: "filtered",
  heldIn: cancelled.filtered,
  ledgerQueue: cancelled.filtered,
};

function setup() {
  const prefix = rig.prefix("trim");
  const keys = keyNames(prefix);
  const queues = createQueuePool({ connection: redis, prefix, logger });
  const ctx = { redis, keys, queues, ledger: createLedger(redis, keys) };
  const event = (i: number, operation = "FLIGHT_CANCELLED"): EventJob => ({
    v: 1,
    deliveryId: `msg-${i}`,
    deliveryIdSource: "webhook-id",
    subscription: "tmc",
    receivedAt: new Date(now).toISOString(),
    eventType: "PNR_V3",
    operation,
    keys: { pnrId: `PNR-${i}` },
    trace: { requestId: `req-${i}` },
    envelope: { event_type: "PNR_V3", operation, payload: {} },
  });
  /** The job id of event `i`, and the ids it is kept under as a dead letter and as filtered. */
  const jobIdOf = (i: number) => webhookJobId(String(i));
  const letterIdOf = (i: number) => deadLetterJobId(jobIdOf(i));
  const filteredIdOf = (i: number) => filteredJobId(jobIdOf(i));
  return {
    ctx,
    keys,
    queues,
    event,
    jobIdOf,
    letterIdOf,
    filteredIdOf,
    /** Dead letter `i`, kept at `keptAtMs`. */
    async deadLetter(i: number, keptAtMs: number) {
      const letter: DeadLetterJob = {
        v: 1,
        event: event(i),
        failure: {
          reason: "permanent-error",
          error: "PermanentError: nothing cancelled",
          queue: cancelled.queue,
          jobId: jobIdOf(i),
          attemptsMade: 1,
          history: [{ attempt: 1, error: "PermanentError: nothing cancelled" }],
          deadLetteredAt: new Date(keptAtMs).toISOString(),
        },
      };
      await queues
        .get(cancelled.deadLetter)
        .add("PNR_V3.FLIGHT_CANCELLED", letter, { jobId: letterIdOf(i), timestamp: keptAtMs });
    },
    /** Filtered delivery `i`, kept at `keptAtMs`. */
    async filteredDelivery(i: number, keptAtMs: number) {
      const kept: FilteredEventJob = {
        v: 1,
        event: event(i),
        filtered: {
          reason: "organization",
          queue: cancelled.queue,
          jobId: jobIdOf(i),
          filteredAt: new Date(keptAtMs).toISOString(),
        },
      };
      await queues
        .get(cancelled.filtered)
        .add("PNR_V3.FLIGHT_CANCELLED", kept, { jobId: filteredIdOf(i), timestamp: keptAtMs });
    },
    /** The ledger's counter summed over every row of `queue`. */
    async counted(queue: string, counter: string) {
      const fields = await redis.hgetall(keys.ledger(queue));
      return Object.entries(fields)
        .filter(([field]) => field.startsWith(`${counter}|`))
        .reduce((n, [, value]) => n + Number(value), 0);
    },
    async heldIds(queue: string) {
      return (await queues.get(queue).getRanges(["waiting"], 0, -1, true)).sort();
    },
  };
}

describe("trimKept", () => {
  it("removes the oldest dead letters beyond the count bound and counts each as trimmed", async () => {
    const t = setup();
    for (let i = 0; i < 7; i++) await t.deadLetter(i, now - 7 * hourMs + i * 1_000);
    const trimmed = await trimKept(
      t.ctx,
      deadLetters,
      { maxCount: 4, maxAgeSec: 30 * 24 * 3600 },
      { nowMs: now },
    );
    expect(trimmed).toEqual({ count: 3, age: 0 });
    expect(await t.heldIds(cancelled.deadLetter)).toEqual([3, 4, 5, 6].map(t.letterIdOf));
    expect(await t.counted(cancelled.queue, "trimmed")).toBe(3);
    expect(
      await redis.hget(t.keys.ledger(cancelled.queue), "trimmed|tmc|PNR_V3|FLIGHT_CANCELLED"),
    ).toBe("3");
  });

  it("removes every event kept longer than the age bound, however few are kept", async () => {
    const t = setup();
    await t.deadLetter(0, now - 3 * hourMs);
    await t.deadLetter(1, now - 2 * hourMs);
    await t.deadLetter(2, now - hourMs / 2);
    const trimmed = await trimKept(
      t.ctx,
      deadLetters,
      { maxCount: 100, maxAgeSec: 3600 },
      { nowMs: now },
    );
    expect(trimmed).toEqual({ count: 0, age: 2 });
    expect(await t.heldIds(cancelled.deadLetter)).toEqual([t.letterIdOf(2)]);
  });

  it("keeps trimming round after round until the queue is within its bound", async () => {
    const t = setup();
    for (let i = 0; i < 450; i++) await t.deadLetter(i, now - hourMs + i);
    const trimmed = await trimKept(
      t.ctx,
      deadLetters,
      { maxCount: 10, maxAgeSec: 86_400 },
      { nowMs: now },
    );
    expect(trimmed.count).toBe(440);
    expect(await t.heldIds(cancelled.deadLetter)).toHaveLength(10);
    expect(await t.counted(cancelled.queue, "trimmed")).toBe(440);
  });

  it("removes an event a purge counted first, and counts it once", async () => {
    const t = setup();
    await t.deadLetter(0, now - 2 * hourMs);
    const purged = t.ctx.ledger.countPurged(
      cancelled.queue,
      cancelled.deadLetter,
      t.letterIdOf(0),
      t.event(0),
    );
    expect(await purged).toBe(true);
    const bound = { maxCount: 100, maxAgeSec: 3600 };
    expect(await trimKept(t.ctx, deadLetters, bound, { nowMs: now })).toEqual({ count: 0, age: 0 });
    expect(await t.heldIds(cancelled.deadLetter)).toEqual([]);
    expect(await t.counted(cancelled.queue, "purged")).toBe(1);
    expect(await t.counted(cancelled.queue, "trimmed")).toBe(0);
  });

  it("leaves an event a replay is moving (or was cut short moving) to that replay, and trims past it", async () => {
    const t = setup();
    for (let i = 0; i < 4; i++) await t.deadLetter(i, now - 2 * hourMs + i);
    const moving = t.ctx.ledger.countMovedOut(
      cancelled.queue,
      cancelled.deadLetter,
      t.letterIdOf(0),
      t.event(0),
    );
    expect(await moving).toBe(true);
    const bound = { maxCount: 2, maxAgeSec: 86_400 };
    expect(await trimKept(t.ctx, deadLetters, bound, { nowMs: now })).toEqual({ count: 2, age: 0 });
    expect(await t.heldIds(cancelled.deadLetter)).toEqual([0, 3].map(t.letterIdOf));
    expect(await t.counted(cancelled.queue, "moved_out")).toBe(1);
    expect(await t.counted(cancelled.queue, "trimmed")).toBe(2);
  });

  it("stops between two events once its signal is aborted (a shutdown)", async () => {
    const t = setup();
    for (let i = 0; i < 5; i++) await t.deadLetter(i, now - 2 * hourMs + i);
    const stop = new AbortController();
    const trimmed = { count: 0, age: 0 };
    const ctx = {
      ...t.ctx,
      ledger: {
        ...t.ctx.ledger,
        countTrimmed: async (...args: Parameters<typeof t.ctx.ledger.countTrimmed>) => {
          if (trimmed.age === 1) stop.abort();
          return t.ctx.ledger.countTrimmed(...args);
        },
      },
    };
    await trimKept(
      ctx,
      deadLetters,
      { maxCount: 100, maxAgeSec: 3600 },
      {
        nowMs: now,
        signal: stop.signal,
        trimmed,
      },
    );
    expect(trimmed).toEqual({ count: 0, age: 2 });
    expect(await t.heldIds(cancelled.deadLetter)).toHaveLength(3);
  });

  it("drops a trimmed catch-all event from the pair index a new handler adopts from", async () => {
    const t = setup();
    const index = t.keys.pairIndex(unroutedQueueNames.queue, "PNR_V3", "TICKET_VOIDED");
    await t.queues
      .get(unroutedQueueNames.queue)
      .add("PNR_V3.TICKET_VOIDED", t.event(1, "TICKET_VOIDED"), {
        jobId: "wh-1",
        timestamp: now - 2 * hourMs,
      });
    await redis.sadd(index, "wh-1");
    expect(await trimKept(t.ctx, catchAll, { maxAgeSec: 3600 }, { nowMs: now })).toEqual({
      count: 0,
      age: 1,
    });
    expect(await redis.sismember(index, "wh-1")).toBe(0);
    expect(await t.counted(unroutedQueueNames.queue, "trimmed")).toBe(1);
  });

  it("trims rejected copies without counting them: they were never accepted", async () => {
    const t = setup();
    for (let i = 0; i < 3; i++)
      await t.queues
        .get(rejectedQueueName)
        .add("rejected", { v: 1, body: i }, { jobId: `iv-${i}`, timestamp: now - hourMs + i });
    expect(
      await trimKept(t.ctx, rejected, { maxCount: 1, maxAgeSec: 86_400 }, { nowMs: now }),
    ).toEqual({
      count: 2,
      age: 0,
    });
    expect(await t.heldIds(rejectedQueueName)).toEqual(["iv-2"]);
    expect(await redis.exists(t.keys.ledger(rejectedQueueName))).toBe(0);
  });

  it("trims filtered deliveries by count and age without counting them in any ledger", async () => {
    const t = setup();
    await t.filteredDelivery(0, now - 3 * 86_400_000);
    for (let i = 1; i < 5; i++) await t.filteredDelivery(i, now - hourMs + i);
    expect(
      await trimKept(t.ctx, filtered, { maxCount: 2, maxAgeSec: 86_400 }, { nowMs: now }),
    ).toEqual({ count: 3, age: 0 });
    expect(await t.heldIds(cancelled.filtered)).toEqual([3, 4].map(t.filteredIdOf));
    expect(
      await trimKept(t.ctx, filtered, { maxCount: 5, maxAgeSec: 1_800 }, { nowMs: now }),
    ).toEqual({ count: 0, age: 2 });
    expect(await redis.exists(t.keys.ledger(cancelled.queue))).toBe(0);
    expect(await redis.exists(t.keys.ledger(cancelled.filtered))).toBe(0);
  });
});

describe("createKeptSweeper", () => {
  it("trims on its timer, and two sweepers on one prefix count each trimmed event once", async () => {
    const t = setup();
    for (let i = 0; i < 9; i++) await t.deadLetter(i, Date.now() - hourMs + i);
    for (let i = 0; i < 4; i++) await t.filteredDelivery(i, Date.now() - hourMs + i);
    const seen: Outcome[] = [];
    const lines: Array<{ level: number; msg: string; count?: number }> = [];
    const logged = pino(
      { level: "warn" },
      { write: (line: string) => lines.push(JSON.parse(line)) },
    );
    const sweepers = [1, 2].map(() =>
      createKeptSweeper({
        ctx: t.ctx,
        queueNames: async () => [cancelled, unroutedQueueNames],
        bounds: {
          "dead-letter": { maxCount: 5, maxAgeSec: 86_400 },
          stale: { maxCount: 5, maxAgeSec: 86_400 },
          "catch-all": { maxAgeSec: 86_400 },
          rejected: { maxCount: 5, maxAgeSec: 86_400 },
          filtered: { maxCount: 2, maxAgeSec: 86_400 },
        },
        journalMaxEntries: 100,
        intervalMs: 100,
        logger: logged,
        outcomes: createOutcomeSink(logger, [(o) => seen.push(o)]),
      }),
    );
    try {
      const deadline = Date.now() + 10_000;
      const over = async () =>
        (await t.heldIds(cancelled.deadLetter)).length > 5 ||
        (await t.heldIds(cancelled.filtered)).length > 2;
      while ((await over()) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await Promise.all(sweepers.map((s) => s.close()));
    }
    expect(await t.heldIds(cancelled.deadLetter)).toHaveLength(5);
    expect(await t.counted(cancelled.queue, "trimmed")).toBe(4);
    expect(await t.heldIds(cancelled.filtered)).toEqual([2, 3].map(t.filteredIdOf));
    const trims = seen.flatMap((o) => (o.kind === "trim" ? [o] : []));
    const trimmedAt = (location: string) =>
      trims.filter((o) => o.location === location).reduce((n, o) => n + o.count, 0);
    expect([trimmedAt("dead-letter"), trimmedAt("filtered")]).toEqual([4, 2]);
    expect(trims.filter((o) => o.location === "filtered").map((o) => o.queue)).toEqual([
      cancelled.filtered,
    ]);
    const warned = lines.filter((l) => l.msg.startsWith("kept events trimmed"));
    expect(warned.every((l) => l.level === 40)).toBe(true);
    expect(warned.reduce((n, l) => n + (l.count ?? 0), 0)).toBe(6);
    const audit = await readAudit(redis, t.keys, 10);
    expect(audit.filter((e) => e.action === "trim").reduce((n, e) => n + e.changed, 0)).toBe(6);
    const journal = await redis.xrange(t.keys.journal(cancelled.queue), "-", "+");
    const entries = journal.map(([, f]) => [f[1], f[3], f[5], f.at(-1)]);
    expect(entries.filter((e) => e[3] === `count bound of ${cancelled.deadLetter}`)).toEqual(
      [0, 1, 2, 3].map((i) => [
        "trimmed",
        `msg-${i}`,
        t.jobIdOf(i),
        `count bound of ${cancelled.deadLetter}`,
      ]),
    );
    expect(entries.filter((e) => e[3] === `count bound of ${cancelled.filtered}`)).toHaveLength(2);
    expect(entries).toHaveLength(6);
  });

  it("trims each queue's journal to its size bound on its timer", async () => {
    const t = setup();
    const pipeline = redis.pipeline();
    for (let i = 0; i < 350; i++)
      pipeline.xadd(t.keys.journal(cancelled.queue), "*", "o", "applied");
    await pipeline.exec();
    const lines: Array<{ msg: string; count?: number }> = [];
    const sweeper = createKeptSweeper({
      ctx: t.ctx,
      queueNames: async () => [cancelled, unroutedQueueNames],
      bounds: {
        "dead-letter": { maxCount: 5, maxAgeSec: 86_400 },
        stale: { maxCount: 5, maxAgeSec: 86_400 },
        "catch-all": { maxAgeSec: 86_400 },
        rejected: { maxCount: 5, maxAgeSec: 86_400 },
        filtered: { maxCount: 5, maxAgeSec: 86_400 },
      },
      journalMaxEntries: 100,
      intervalMs: 100,
      logger: pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) }),
      outcomes: createOutcomeSink(logger, []),
    });
    try {
      const deadline = Date.now() + 10_000;
      while ((await redis.xlen(t.keys.journal(cancelled.queue))) > 200 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await sweeper.close();
    }
    const left = await redis.xlen(t.keys.journal(cancelled.queue));
    expect(left).toBeGreaterThanOrEqual(100);
    expect(left).toBeLessThan(200);
    const logged = lines.filter((l) => l.msg.startsWith("journal trimmed"));
    expect(logged.reduce((n, l) => n + (l.count ?? 0), 0)).toBe(350 - left);
  });
});
