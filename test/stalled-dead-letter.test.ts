import { randomUUID } from "node:crypto";
import { type DeadLetterJob, queueNamesFor } from "@skyhook/contracts";
import { deadLetterJobId } from "@skyhook/queue-kit";
import { createSendingNode, defaultFlights, envelope, pnrPayload } from "@skyhook/spotnana-sender";
import { Queue, Worker } from "bullmq";
import { afterEach, describe, expect, it } from "vitest";
import { startDownstream } from "./support/downstream.ts";
import { devClient, startIngress, startWorker } from "./support/in-process.ts";
import { DeliveryAnswer } from "./support/ingress-answers.ts";
import { jsonOf } from "./support/json-body.ts";
import { connect, deletePrefix, uniquePrefix } from "./support/redis.ts";
import { waitFor } from "./support/wait-for.ts";

const cancelled = queueNamesFor("PNR_V3", "FLIGHT_CANCELLED");
const [outbound] = defaultFlights as [(typeof defaultFlights)[0]];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("a job that stalls past BullMQ's limit", () => {
  it("is dead-lettered as stalled, without running its handler", async () => {
    const prefix = uniquePrefix("stalled");
    const redis = connect();
    const downstream = await startDownstream();
    const ingress = await startIngress({ QUEUE_PREFIX: prefix });
    const queue = new Queue(cancelled.queue, { connection: redis, prefix });
    const deadLetters = new Queue(cancelled.deadLetter, { connection: redis, prefix });
    const crashed = new Worker(cancelled.queue, null, {
      connection: connect(),
      prefix,
      autorun: false,
      lockDuration: 60_000,
    });
    cleanups.push(async () => {
      await crashed.close(true);
      await ingress.close();
      await downstream.close();
      await Promise.all([queue.close(), deadLetters.close()]);
      await deletePrefix(redis, prefix);
      redis.disconnect();
    });

    const response = await createSendingNode({
      url: ingress.baseUrl,
      auth: { mode: "oauth", ...devClient },
    }).deliver(
      envelope("FLIGHT_CANCELLED", pnrPayload({ flights: [{ ...outbound, cancelled: true }] })),
    );
    const { jobId } = await jsonOf(response, DeliveryAnswer);

    // A worker takes the job and dies holding it: the job stays active and its lock goes away
    // (here at once, instead of after the lock duration). Its stall counter says it already
    // stalled once, as after an earlier crash, so the next stall is past BullMQ's limit of one.
    const taken = await crashed.getNextJob(randomUUID());
    expect(taken?.id).toBe(jobId);
    // BullMQ's keys of the job: its hash, and beside it the lock its worker holds.
    await redis.del(queue.toKey(`${jobId}:lock`));
    await redis.hset(queue.toKey(jobId), "stc", "1");

    const worker = startWorker({
      QUEUE_PREFIX: prefix,
      NOTIFY_URL: downstream.url,
      LOCK_DURATION_MS: "1000",
      STALLED_INTERVAL_MS: "500",
    });
    cleanups.push(() => worker.close());

    const letter = await waitFor(
      "the stalled job's dead letter",
      async () =>
        (await deadLetters.getJob(deadLetterJobId(jobId)))?.data as DeadLetterJob | undefined,
      20_000,
    );
    expect(letter.failure).toMatchObject({ reason: "stalled", queue: cancelled.queue, jobId });
    expect(letter.failure.error).toContain("stalled more than allowable limit");
    expect(await queue.getJobState(jobId)).toBe("failed");
    expect(downstream.requestCount()).toBe(0);
  }, 45_000);
});
