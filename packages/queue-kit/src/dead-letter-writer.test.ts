import type { DeadLetterJob } from "@skyhook/contracts";
import { Job, Queue } from "bullmq";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { createDeadLetterWriter } from "./dead-letter-writer.ts";
import { deadLetterJobId } from "./job-ids.ts";
import { createQueuePool } from "./queue-pool.ts";

const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", {
  maxRetriesPerRequest: null,
});
const prefix = `test-dlw-${Math.random().toString(16).slice(2, 10)}`;
const queues = createQueuePool({ connection: redis, prefix, logger: pino({ level: "silent" }) });
const source = new Queue("src", { connection: redis, prefix });
const at = new Date("2026-11-27T10:00:00.000Z");
const writer = createDeadLetterWriter({ queues, now: () => at });
const from = { queue: "src", deadLetterQueue: "src-dead" };

afterAll(async () => {
  await source.obliterate({ force: true });
  await queues.get("src-dead").obliterate({ force: true });
  await source.close();
  await queues.close();
  redis.disconnect();
});

const letterOf = async (jobId: string) =>
  (await queues.get("src-dead").getJob(deadLetterJobId(jobId)))?.data as DeadLetterJob | undefined;

describe("createDeadLetterWriter", () => {
  it("keeps the event, why it failed and every attempt's first error line, under dl-<job id>", async () => {
    const job = await source.add("PNR_V3.X", { some: "event" }, { jobId: "wh-1" });
    job.attemptsMade = 2;
    job.stacktrace = ["Error: first\n    at a", "Error: second\n    at b"];
    await writer.write(job, from, "retries-exhausted", "Error: third");
    const stored = await queues.get("src-dead").getJob(deadLetterJobId("wh-1"));
    expect(stored?.name).toBe("PNR_V3.X");
    expect(stored?.data).toEqual({
      v: 1,
      event: { some: "event" },
      failure: {
        reason: "retries-exhausted",
        error: "Error: third",
        queue: "src",
        jobId: "wh-1",
        attemptsMade: 2,
        history: [
          { attempt: 1, error: "Error: first" },
          { attempt: 2, error: "Error: second" },
          { attempt: 3, error: "Error: third" },
        ],
        deadLetteredAt: "2026-11-27T10:00:00.000Z",
      },
    });
  });

  it("does not repeat the current attempt when BullMQ already recorded it", async () => {
    const job = await source.add("PNR_V3.X", {}, { jobId: "wh-2" });
    job.attemptsMade = 0;
    job.stacktrace = ["Error: only\n    at a"];
    await writer.write(job, from, "stalled", "Error: only");
    expect((await letterOf("wh-2"))?.failure.history).toEqual([
      { attempt: 1, error: "Error: only" },
    ]);
  });

  it("stamps the letter with the current time when no clock is given", async () => {
    const job = await source.add("PNR_V3.X", {}, { jobId: "wh-4" });
    const before = Date.now();
    await createDeadLetterWriter({ queues }).write(job, from, "stalled", "e");
    const stamped = Date.parse((await letterOf("wh-4"))?.failure.deadLetteredAt ?? "");
    expect(stamped).toBeGreaterThanOrEqual(before - 1_000);
    expect(stamped).toBeLessThanOrEqual(Date.now() + 1_000);
  });

  it("files a job that has no id under dl-unknown", async () => {
    const job = new Job(source, "PNR_V3.X", { orphan: true });
    await writer.write(job, from, "invalid-job", "e");
    expect((await letterOf("unknown"))?.failure.jobId).toBe("unknown");
  });

  it("adds nothing on a repeat: the first letter stays", async () => {
    const job = await source.add("PNR_V3.X", {}, { jobId: "wh-3" });
    await writer.write(job, from, "permanent-error", "first");
    const count = await queues.get("src-dead").count();
    await writer.write(job, from, "retries-exhausted", "second");
    expect(await queues.get("src-dead").count()).toBe(count);
    expect((await letterOf("wh-3"))?.failure).toMatchObject({
      reason: "permanent-error",
      error: "first",
    });
  });
});
