import { INVALID_SPAN_CONTEXT, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { defineOperation, type EntityOrder, EventJob } from "@skyhook/contracts";
import { DownstreamUnavailable, PermanentError } from "@skyhook/handler-kit";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type DecisionPorts,
  decideFate,
  fateOfFailure,
  fateOfOrder,
  readEvent,
} from "./decide-fate.ts";
import type { EntityLock } from "./entity-guard.ts";
import type { JobRun } from "./fate.ts";

/**
 * The decision with plain values in and a fate out: no Redis, no BullMQ. The ports are
 * stand-ins that answer as told and remember what they were asked.
 */
const spec = defineOperation({
  eventType: "PNR_V3",
  operation: "TEST_APPLIED",
  payload: z.object({
    pnrId: z.string(),
    version: z.number().int(),
    seat: z.object({ row: z.number() }).optional(),
  }),
});
const sentAt = "2026-11-27T10:00:00.000Z";
const receivedAt = "2026-11-27T10:00:01.000Z";
const entity = "pnr:PNR1";

type Data = Record<string, unknown>;

function eventData(overrides: { keys?: Data; payload?: Data } = {}): Data {
  return {
    v: 1,
    deliveryId: "msg-1",
    deliveryIdSource: "webhook-id",
    subscription: "spotnana",
    receivedAt,
    eventType: "PNR_V3",
    operation: "TEST_APPLIED",
    keys: overrides.keys ?? { pnrId: "PNR1", version: 2 },
    trace: { requestId: "req-1" },
    envelope: {
      event_type: "PNR_V3",
      operation: "TEST_APPLIED",
      timestamp: sentAt,
      payload: overrides.payload ?? { pnrId: "PNR1", version: 2, kept: "by the envelope only" },
    },
  };
}

const eventOf = (data: Data) => EventJob.parse(data);
const order = (fields: Partial<EntityOrder> = {}): EntityOrder => ({
  entity,
  version: 2,
  timestampMs: Date.parse(sentAt),
  ...fields,
});

function runOf(fields: Partial<JobRun> = {}): JobRun {
  return {
    queue: spec.queues.queue,
    jobId: "wh-msg-1",
    data: eventData(),
    attempt: 1,
    maxAttempts: 3,
    retryHorizonMs: 3_600_000,
    nextRetryDelayMs: 1_000,
    stalled: false,
    canPutBack: true,
    startedMs: 0,
    span: trace.wrapSpanContext(INVALID_SPAN_CONTEXT),
    context: ROOT_CONTEXT,
    ...fields,
  };
}

/** Ports that answer as told; `asked` lists every question in order. */
function portsOf(
  answers: {
    busy?: boolean;
    newest?: () => EntityOrder | undefined;
    completedBefore?: boolean | Error;
    handle?: () => void;
    interrupted?: boolean;
    admit?: "run" | { holdMs: number };
  } = {},
) {
  const asked: string[] = [];
  const handled: Array<{ payload: unknown }> = [];
  const lock: EntityLock = {
    newest: () => answers.newest?.(),
    async advanceAndRelease() {
      asked.push("advanceAndRelease");
    },
    async completeAndRelease() {
      asked.push("completeAndRelease");
    },
    async release() {
      asked.push("release");
    },
  };
  const ports: DecisionPorts = {
    async lock(name) {
      asked.push(`lock ${name}`);
      return answers.busy === true ? undefined : lock;
    },
    async wasCompleted(run) {
      asked.push(`wasCompleted ${run.jobId}`);
      if (answers.completedBefore instanceof Error) throw answers.completedBefore;
      return answers.completedBefore === true;
    },
    async handle(_run, _event, payload) {
      asked.push("handle");
      handled.push({ payload });
      answers.handle?.();
    },
    interrupted: () => answers.interrupted === true,
    busyDelayMs: () => 12_345,
    async admit() {
      asked.push("admit");
      return answers.admit ?? "run";
    },
    nowMs: () => Date.parse(receivedAt) + 60_000,
  };
  return { ports, asked, handled, lock };
}

describe("readEvent", () => {
  it("reads job data and a payload that pass their schemas, the payload as its schema keeps it", () => {
    expect(readEvent(eventData(), spec)).toStrictEqual({
      ok: true,
      event: eventOf(eventData()),
      payload: { pnrId: "PNR1", version: 2 },
    });
  });

  it("dead-letters job data that is not a Skyhook event, naming every failing path", () => {
    const read = readEvent({ v: 2, trace: {}, envelope: { payload: {} } }, spec);
    expect(read).toStrictEqual({
      ok: false,
      event: undefined,
      fate: {
        kind: "dead-letter",
        reason: "invalid-job",
        error:
          "job data is not a Skyhook event: v, deliveryId, deliveryIdSource, subscription, " +
          "receivedAt, eventType, operation, keys, trace.requestId",
      },
    });
  });

  it("dead-letters a payload that fails its operation's schema, naming each field and keeping the event", () => {
    const data = eventData({ payload: { pnrId: 7, version: 2, seat: { row: "A" } } });
    expect(readEvent(data, spec)).toStrictEqual({
      ok: false,
      event: eventOf(data),
      fate: {
        kind: "dead-letter",
        reason: "invalid-payload",
        error: "payload fails the PNR_V3/TEST_APPLIED schema at payload.pnrId, payload.seat.row",
      },
    });
  });
});

describe("fateOfFailure", () => {
  const received = { receivedAt };
  const inAMinute = Date.parse(receivedAt) + 60_000;
  const failure = new Error("downstream answered 503", { cause: new TypeError("fetch failed") });
  const why = "Error: downstream answered 503 ← TypeError: fetch failed";

  it("retries a failure while attempts remain, saying why with every cause", () => {
    expect(fateOfFailure(failure, runOf({ attempt: 2 }), false, received, inAMinute)).toStrictEqual(
      {
        kind: "retry",
        error: failure,
        why,
      },
    );
  });

  it("dead-letters the failure of the last attempt as retries-exhausted, handing BullMQ the error itself", () => {
    expect(fateOfFailure(failure, runOf({ attempt: 3 }), false, received, inAMinute)).toStrictEqual(
      {
        kind: "dead-letter",
        reason: "retries-exhausted",
        error: why,
        thrown: failure,
      },
    );
  });

  it("gives a job with one attempt no retry", () => {
    expect(fateOfFailure(failure, runOf({ maxAttempts: 1 }), false, received, inAMinute).kind).toBe(
      "dead-letter",
    );
  });

  it("dead-letters a PermanentError on any attempt", () => {
    const permanent = new PermanentError("booking contradicts stored state");
    expect(fateOfFailure(permanent, runOf(), false, received, inAMinute)).toStrictEqual({
      kind: "dead-letter",
      reason: "permanent-error",
      error: "PermanentError: booking contradicts stored state",
    });
  });

  it("puts a run its shutdown interrupted back, whatever it threw, on any attempt", () => {
    const permanent = new PermanentError("aborted");
    expect(
      fateOfFailure(permanent, runOf({ attempt: 3 }), true, received, inAMinute),
    ).toStrictEqual({
      kind: "interrupted",
    });
  });

  it("holds the operation, spending no attempt, when the downstream says it is unavailable", () => {
    const unavailable = new DownstreamUnavailable("notification endpoint answered 503", {
      retryAfterMs: 30_000,
    });
    expect(
      fateOfFailure(unavailable, runOf({ attempt: 3 }), false, received, inAMinute),
    ).toStrictEqual({
      kind: "held",
      why: "DownstreamUnavailable: notification endpoint answered 503",
      by: "downstream",
      retryAfterMs: 30_000,
    });
  });

  it("dead-letters a failure whose next retry would come after the event's retry horizon", () => {
    const late = Date.parse(receivedAt) + 3_600_000 - 999;
    expect(fateOfFailure(failure, runOf({ attempt: 2 }), false, received, late)).toStrictEqual({
      kind: "dead-letter",
      reason: "retry-horizon",
      error: why,
      thrown: failure,
    });
    expect(fateOfFailure(failure, runOf({ attempt: 2 }), false, received, late - 2).kind).toBe(
      "retry",
    );
    const unavailable = new DownstreamUnavailable("refused");
    expect(fateOfFailure(unavailable, runOf(), false, received, late).kind).toBe("dead-letter");
  });

  it("treats an interrupted run that cannot be put back as any failure", () => {
    expect(
      fateOfFailure("aborted", runOf({ canPutBack: false }), true, received, inAMinute),
    ).toStrictEqual({
      kind: "retry",
      error: "aborted",
      why: "aborted",
    });
  });
});

describe("fateOfOrder", () => {
  const event = eventOf(eventData());

  it("finds an event older than its entity's newest version stale", () => {
    const newest = { entity, version: 3 };
    expect(fateOfOrder(event, order(), newest)).toStrictEqual({
      kind: "stale",
      event,
      order: order(),
      newest,
    });
  });

  it("lets an event as new as the newest, or of an entity with none, run", () => {
    expect(fateOfOrder(event, order(), order())).toBeUndefined();
    expect(fateOfOrder(event, order(), undefined)).toBeUndefined();
  });

  it("orders by timestamp an event without a version", () => {
    const later = { entity, timestampMs: Date.parse(sentAt) + 1 };
    expect(fateOfOrder(event, order({ version: undefined }), later)?.kind).toBe("stale");
  });
});

describe("decideFate", () => {
  it("runs an event that names no entity without asking for a lock", async () => {
    const t = portsOf();
    const data = eventData({ keys: {} });
    const decision = await decideFate(runOf({ data }), spec, t.ports);
    expect(decision).toStrictEqual({
      fate: { kind: "applied", event: eventOf(data) },
      event: eventOf(data),
      hold: undefined,
    });
    expect(t.asked).toEqual(["admit", "handle"]);
  });

  it("runs the handler under its entity's lock and hands the lock and position on", async () => {
    const t = portsOf();
    const decision = await decideFate(runOf(), spec, t.ports);
    expect(decision.fate).toStrictEqual({ kind: "applied", event: eventOf(eventData()) });
    expect(decision.hold).toStrictEqual({ lock: t.lock, order: order() });
    expect(t.handled).toEqual([{ payload: { pnrId: "PNR1", version: 2 } }]);
    // The applier releases it: the decision neither records nor releases anything.
    expect(t.asked).toEqual(["admit", `lock ${entity}`, "handle"]);
  });

  it("puts a job whose entity is busy back after the ports' delay, without running it", async () => {
    const t = portsOf({ busy: true });
    const decision = await decideFate(runOf(), spec, t.ports);
    expect(decision).toStrictEqual({
      fate: { kind: "busy", entity, delayMs: 12_345 },
      event: eventOf(eventData()),
      hold: undefined,
    });
    expect(t.asked).toEqual(["admit", `lock ${entity}`]);
  });

  it("skips an event older than its entity's newest, holding the lock for the applier", async () => {
    const newest = { entity, version: 3 };
    const t = portsOf({ newest: () => newest });
    const decision = await decideFate(runOf(), spec, t.ports);
    expect(decision.fate).toStrictEqual({
      kind: "stale",
      event: eventOf(eventData()),
      order: order(),
      newest,
    });
    expect(decision.hold?.lock).toBe(t.lock);
    expect(t.asked).toEqual(["admit", `lock ${entity}`, "wasCompleted wh-msg-1"]);
  });

  it("finishes as it was a job found stale that was itself counted completed, though BullMQ did not mark it stalled (a failover lost its finish)", async () => {
    const t = portsOf({ completedBefore: true, newest: () => ({ entity, version: 3 }) });
    const decision = await decideFate(runOf(), spec, t.ports);
    expect(decision.fate).toStrictEqual({ kind: "applied-before" });
    expect(decision.hold?.lock).toBe(t.lock);
    expect(t.handled).toEqual([]);
  });

  it("finishes a stalled job counted completed before as it was, even once a newer version is applied", async () => {
    const t = portsOf({ completedBefore: true, newest: () => ({ entity, version: 3 }) });
    const decision = await decideFate(runOf({ stalled: true }), spec, t.ports);
    expect(decision.fate).toStrictEqual({ kind: "applied-before" });
    expect(decision.hold).toStrictEqual({ lock: t.lock, order: order() });
    expect(t.asked).toEqual(["admit", `lock ${entity}`, "wasCompleted wh-msg-1"]);
  });

  it("finishes a stalled unordered job counted completed before without running it", async () => {
    const t = portsOf({ completedBefore: true });
    const data = eventData({ keys: {} });
    const decision = await decideFate(runOf({ data, stalled: true }), spec, t.ports);
    expect(decision.fate).toStrictEqual({ kind: "applied-before" });
    expect(t.asked).toEqual(["admit", "wasCompleted wh-msg-1"]);
  });

  it("runs a stalled job again when it was never counted completed", async () => {
    const t = portsOf({ completedBefore: false });
    const decision = await decideFate(runOf({ stalled: true }), spec, t.ports);
    expect(decision.fate.kind).toBe("applied");
    expect(t.asked).toEqual(["admit", `lock ${entity}`, "wasCompleted wh-msg-1", "handle"]);
  });

  it("asks whether a job was counted before only when BullMQ hands it out again", async () => {
    const t = portsOf({ completedBefore: true });
    await decideFate(runOf(), spec, t.ports);
    await decideFate(runOf({ data: eventData({ keys: {} }) }), spec, t.ports);
    expect(t.asked.filter((q) => q.startsWith("wasCompleted"))).toEqual([]);
  });

  it("makes a fate of the handler's failure", async () => {
    const t = portsOf({
      handle: () => {
        throw new PermanentError("no");
      },
    });
    const decision = await decideFate(runOf(), spec, t.ports);
    expect(decision.fate).toStrictEqual({
      kind: "dead-letter",
      reason: "permanent-error",
      error: "PermanentError: no",
    });
    expect(decision.hold?.lock).toBe(t.lock);
  });

  it("puts back a run whose handler failed because shutdown interrupted it", async () => {
    const t = portsOf({
      interrupted: true,
      handle: () => {
        throw new Error("aborted");
      },
    });
    expect((await decideFate(runOf(), spec, t.ports)).fate).toStrictEqual({
      kind: "interrupted",
    });
  });

  it("holds a run the downstream's breaker does not admit, taking no lock and running no handler", async () => {
    const t = portsOf({ admit: { holdMs: 4_000 } });
    const decision = await decideFate(runOf(), spec, t.ports);
    expect(decision.fate).toStrictEqual({
      kind: "held",
      why: "the downstream's breaker is open; another run probes it",
      by: "breaker",
      holdMs: 4_000,
    });
    expect(decision.hold).toBeUndefined();
    expect(t.asked).toEqual(["admit"]);
  });

  it("asks for no lock and runs no handler for data that cannot be handled", async () => {
    const t = portsOf();
    const data = eventData({ payload: { pnrId: 7, version: 2 } });
    const decision = await decideFate(runOf({ data }), spec, t.ports);
    expect(decision.fate.kind).toBe("dead-letter");
    expect(decision.event).toStrictEqual(eventOf(data));
    expect(t.asked).toEqual([]);
  });

  it("releases the lock and throws when its entity's position cannot be read", async () => {
    const t = portsOf({
      newest: () => {
        throw new SyntaxError("Unexpected token 'o', \"not json\" is not valid JSON");
      },
    });
    await expect(decideFate(runOf(), spec, t.ports)).rejects.toBeInstanceOf(SyntaxError);
    expect(t.asked).toEqual(["admit", `lock ${entity}`, "release"]);
  });

  it("releases the lock and throws when the ledger cannot say whether the job was counted", async () => {
    const down = new Error("Connection is closed.");
    const t = portsOf({ completedBefore: down });
    await expect(decideFate(runOf({ stalled: true }), spec, t.ports)).rejects.toBe(down);
    expect(t.asked).toEqual(["admit", `lock ${entity}`, "wasCompleted wh-msg-1", "release"]);
  });
});
