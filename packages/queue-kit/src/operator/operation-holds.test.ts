import { defaultCatalog, defaultRetryPolicy, queueNamesFor } from "@skyhook/contracts";
import { Worker } from "bullmq";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { connect, deletePrefix, uniquePrefix } from "../../../../test/support/redis.ts";
import { createDownstreamBreaker } from "../downstream-breaker.ts";
import { keyNames } from "../keys.ts";
import { createRouteRegistry } from "../route-registry.ts";
import { readAudit } from "./audit.ts";
import {
  describeHold,
  holdReport,
  type OperationHold,
  operationHold,
  operationQueueOf,
  pauseOperation,
  resumeOperation,
} from "./operation-holds.ts";
import { createOperatorContext } from "./operator-context.ts";

const redis = connect();
const prefix = uniquePrefix("holds");
const queue = defaultCatalog.route("PNR_V3", "FLIGHT_CANCELLED").queues.queue;
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

async function context(keyPrefix = prefix) {
  const ctx = await createOperatorContext({
    redis,
    prefix: keyPrefix,
    catalog: defaultCatalog,
    settings: {
      dedupTtlSec: 60,
      retention: { completedAgeSec: 60, completedCount: 10, failedAgeSec: 60, failedCount: 10 },
      retryOverride: { attempts: undefined, backoffMs: undefined },
    },
    logger: pino({ level: "silent" }),
  });
  closers.push(() => ctx.close());
  return ctx;
}

describe("pausing an operation by hand", () => {
  it("keeps its jobs from every worker until resumed, says who paused it and why, and audits both", async () => {
    const ctx = await context();
    const taken: string[] = [];
    const connection = connect();
    closers.push(async () => connection.disconnect());
    const worker = new Worker(
      queue,
      async (job) => {
        taken.push(String(job.id));
      },
      { connection, prefix },
    );
    closers.push(() => worker.close());
    await pauseOperation(ctx, queue, {
      reason: "vendor maintenance",
      actor: "ops@host",
      now: new Date("2026-12-07T09:00:00Z"),
    });
    await ctx.queues.get(queue).add("PNR_V3.FLIGHT_CANCELLED", {}, { jobId: "wh-held" });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(taken).toEqual([]);
    expect(await operationHold(ctx, queue)).toMatchObject({
      paused: { reason: "vendor maintenance", actor: "ops@host", at: "2026-12-07T09:00:00.000Z" },
      waiting: 1,
    });

    expect(await resumeOperation(ctx, queue, { actor: "ops@host" })).toBe(true);
    const deadline = Date.now() + 10_000;
    while (taken.length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(taken).toEqual(["wh-held"]);
    expect((await operationHold(ctx, queue)).paused).toBeUndefined();
    expect(await resumeOperation(ctx, queue, { actor: "ops@host" })).toBe(false);
    const audit = await readAudit(redis, ctx.keys, 3);
    expect(audit.map((a) => [a.action, a.changed])).toEqual([
      ["resume", 0],
      ["resume", 1],
      ["pause", 1],
    ]);
  }, 20_000);

  it("reports the breaker of the operation's downstream", async () => {
    const ctx = await context();
    const breaker = createDownstreamBreaker(redis, keyNames(prefix), {
      failureThreshold: 3,
      baseIntervalMs: 1_000,
      maxIntervalMs: 60_000,
    });
    await breaker.failed(queue, { unavailable: true, retryAfterMs: 30_000, nowMs: 1_000 });
    expect((await operationHold(ctx, queue)).breaker).toEqual({
      state: "open",
      failures: 1,
      openedAtMs: 1_000,
      intervalMs: 1_000,
      untilMs: 31_000,
    });
  });
});

describe("naming an operation (the CLI and the dashboard alike)", () => {
  it("accepts EVENT_TYPE/OPERATION, the queue label, or the operation alone", async () => {
    const ctx = await context();
    for (const named of [
      "PNR_V3/FLIGHT_CANCELLED",
      "pnr-v3.flight-cancelled",
      "FLIGHT_CANCELLED",
    ]) {
      expect(await operationQueueOf(ctx, named), named).toEqual({ ok: true, queue });
    }
  });

  it("refuses a name no known operation has, listing the operations, and never the catch-all", async () => {
    const ctx = await context();
    for (const named of ["NO_SUCH_OPERATION", "PNR_V3/NO_SUCH", "unrouted", "{unrouted}"]) {
      const found = await operationQueueOf(ctx, named);
      expect(found, named).toMatchObject({ ok: false, reason: "unknown_operation" });
      if (!found.ok) expect(found.message).toContain("pnr-v3.flight-cancelled");
    }
  });

  it("asks for EVENT_TYPE/OPERATION when two event types have the operation", async () => {
    const own = uniquePrefix("holds-names");
    closers.push(() => deletePrefix(redis, own));
    await createRouteRegistry(redis, keyNames(own)).announce([
      {
        eventType: "PNR_V2",
        operation: "FLIGHT_CANCELLED",
        queues: queueNamesFor("PNR_V2", "FLIGHT_CANCELLED"),
        retry: defaultRetryPolicy,
      },
    ]);
    const ctx = await context(own);
    expect(await operationQueueOf(ctx, "FLIGHT_CANCELLED")).toMatchObject({
      ok: false,
      reason: "ambiguous_operation",
      message: expect.stringContaining("(pnr-v3.flight-cancelled, pnr-v2.flight-cancelled)"),
    });
    expect(await operationQueueOf(ctx, "PNR_V2/FLIGHT_CANCELLED")).toEqual({
      ok: true,
      queue: "{pnr-v2.flight-cancelled}",
    });
  });
});

describe("an operation's hold in words and as a report", () => {
  const base: OperationHold = {
    queue,
    paused: undefined,
    breaker: { state: "closed", failures: 0 },
    waiting: 4,
    delayed: 1,
    active: 0,
  };
  const open = {
    state: "open",
    failures: 2,
    openedAtMs: Date.parse("2026-12-07T09:00:00Z"),
    intervalMs: 30_000,
    untilMs: Date.parse("2026-12-07T09:05:00Z"),
  } as const;
  const now = Date.parse("2026-12-07T09:01:00Z");

  it("says who paused it, when and why, and counts every waiting job as held", () => {
    const paused = {
      ...base,
      paused: {
        reason: "vendor maintenance",
        actor: "dashboard:ops",
        at: "2026-12-07T08:00:00.000Z",
      },
    };
    expect(holdReport(paused, now)).toMatchObject({
      label: "pnr-v3.flight-cancelled",
      condition: "paused",
      state: "paused by dashboard:ops at 2026-12-07T08:00:00.000Z: vendor maintenance",
      held: true,
      heldJobs: 4,
    });
  });

  it("says since when its downstream is unavailable and when it is probed next", () => {
    expect(holdReport({ ...base, breaker: open }, now)).toMatchObject({
      condition: "held",
      state:
        "held: downstream unavailable since 2026-12-07T09:00:00.000Z, next probe at 2026-12-07T09:05:00.000Z",
      heldJobs: 4,
    });
  });

  it("calls an open breaker past its hold probing, and holds nothing then", () => {
    expect(holdReport({ ...base, breaker: open }, open.untilMs)).toMatchObject({
      condition: "probing",
      state: "probing: downstream unavailable since 2026-12-07T09:00:00.000Z",
      held: false,
      heldJobs: 0,
    });
  });

  it("calls a closed breaker running, with its failures in a row", () => {
    expect(describeHold(base, now)).toBe("running");
    expect(holdReport({ ...base, breaker: { state: "closed", failures: 2 } }, now)).toMatchObject({
      condition: "running",
      state: "running (2 failure(s) in a row)",
      heldJobs: 0,
    });
  });
});
