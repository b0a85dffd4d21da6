import { defaultCatalog } from "@skyhook/contracts";
import { Worker } from "bullmq";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { connect, deletePrefix, uniquePrefix } from "../../../../test/support/redis.ts";
import { createDownstreamBreaker } from "../downstream-breaker.ts";
import { keyNames } from "../keys.ts";
import { readAudit } from "./audit.ts";
import { operationHold, pauseOperation, resumeOperation } from "./operation-holds.ts";
import { createOpsContext } from "./ops-context.ts";

const redis = connect();
const prefix = uniquePrefix("holds");
const queue = defaultCatalog.route("PNR_V3", "FLIGHT_CANCELLED").queues.queue;
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

async function context() {
  const ctx = await createOpsContext({
    redis,
    prefix,
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
