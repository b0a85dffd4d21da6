import { queueNamesFor } from "@skyhook/contracts";
import { cancelledFlightEnvelope, createSendingNode } from "@skyhook/spotnana-sender";
import { Queue, QueueKeys } from "bullmq";
import { afterEach, describe, expect, it } from "vitest";
import { startDownstream } from "./support/downstream.ts";
import { devClient, startIngress } from "./support/in-process.ts";
import { DeliveryAnswer } from "./support/ingress-answers.ts";
import { jsonOf } from "./support/json-body.ts";
import { type AppProcess, spawnApp } from "./support/processes.ts";
import { connect, deletePrefix, sharedRedisUrl, uniquePrefix } from "./support/redis.ts";
import { waitFor } from "./support/wait-for.ts";

/**
 * Workers SIGKILLed while a FLIGHT_CANCELLED handler is mid-POST (the receiver holds the
 * request open): how soon another worker re-runs the job, what the receiver sees, and what
 * BullMQ's stall limit does to a job whose workers keep dying.
 */
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const cancelled = queueNamesFor("PNR_V3", "FLIGHT_CANCELLED");
const lockDurationMs = 3_000;
const stalledIntervalMs = 1_000;
/** Room for a loaded host: process scheduling, the entity lock, the HTTP round trip. */
const marginMs = 3_000;

async function environment(respond: (n: number) => number | "hang") {
  const prefix = uniquePrefix("crash");
  const redis = connect();
  const queue = new Queue(cancelled.queue, { connection: redis, prefix });
  const downstream = await startDownstream(respond);
  const ingress = await startIngress({ QUEUE_PREFIX: prefix });
  cleanups.push(async () => {
    await ingress.close();
    await downstream.close();
    await queue.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });
  const startWorker = async (): Promise<AppProcess> => {
    const worker = spawnApp("worker", {
      REDIS_URL: sharedRedisUrl,
      QUEUE_PREFIX: prefix,
      NOTIFY_URL: downstream.url,
      // Only the crash may end a held request, never the notifier's own timeout.
      NOTIFY_TIMEOUT_MS: "120000",
      LOCK_DURATION_MS: String(lockDurationMs),
      STALLED_INTERVAL_MS: String(stalledIntervalMs),
      SHUTDOWN_TIMEOUT_MS: "500",
    });
    cleanups.push(() => worker.stop("SIGKILL"));
    await worker.waitForLog(
      "worker consuming",
      (l) => l.msg === "consuming" && l.queue === cancelled.queue,
      30_000,
    );
    return worker;
  };
  const client = createSendingNode({ url: ingress.baseUrl, auth: { mode: "oauth", ...devClient } });
  const deliver = async (webhookId: string) => {
    const response = await client.deliver(cancelledFlightEnvelope(`PNR-${webhookId}`), {
      "x-spotnana-webhook-id": webhookId,
    });
    expect(response.status).toBe(200);
    return (await jsonOf(response, DeliveryAnswer)).jobId;
  };
  const deadLetters = () => redis.llen(new QueueKeys(prefix).toKey(cancelled.deadLetter, "wait"));
  return { redis, queue, downstream, startWorker, deliver, deadLetters };
}

describe("a worker SIGKILLed mid-job", () => {
  it("has its job re-run by a running worker within LOCK_DURATION_MS + STALLED_INTERVAL_MS, under the same Idempotency-Key, and completed, not dead-lettered", async () => {
    const env = await environment((n) => (n === 0 ? "hang" : 200));
    const first = await env.startWorker();
    const jobId = await env.deliver("msg-crash");
    await waitFor("the first notice POST held open", () =>
      env.downstream.requestCount() === 1 ? true : undefined,
    );
    // Started before the kill, so its start-up is not part of the recovery time.
    await env.startWorker();

    const killedAtMs = Date.now();
    await first.stop("SIGKILL");
    // Long enough for BullMQ's 30 s default interval (up to two of them: one check marks the
    // job, a later one moves it), so a regression reports the time it took, not a bare timeout.
    await waitFor(
      "the notice sent again by the second worker",
      () => (env.downstream.requestCount() >= 2 ? true : undefined),
      100_000,
    );
    const [held, resent] = env.downstream.received;
    const recoveryMs = (resent?.atMs ?? Number.NaN) - killedAtMs;
    console.info(
      `job re-run ${recoveryMs} ms after SIGKILL (lock ${lockDurationMs} ms, stalled check every ${stalledIntervalMs} ms)`,
    );
    expect(recoveryMs).toBeLessThan(lockDurationMs + stalledIntervalMs + marginMs);

    await waitFor("the job completed", async () =>
      (await env.queue.getJobState(jobId)) === "completed" ? true : undefined,
    );
    // At least once: the receiver got the notice twice, both times under the delivery id, with
    // the same body, so a receiver that keeps one notice per key applies it once.
    expect([held?.headers["idempotency-key"], resent?.headers["idempotency-key"]]).toEqual([
      "msg-crash",
      "msg-crash",
    ]);
    expect(resent?.body).toEqual(held?.body);
    const appliedByKey = new Map(
      env.downstream.received.map((r) => [r.headers["idempotency-key"], r.body]),
    );
    expect(appliedByKey.size).toBe(1);
    // One stall is within BullMQ's maxStalledCount (1): re-run, never dead-lettered.
    expect((await env.queue.getJob(jobId))?.stalledCounter).toBe(1);
    expect(await env.deadLetters()).toBe(0);
    expect(await env.queue.getJobCounts("failed")).toEqual({ failed: 0 });
    expect(env.downstream.requestCount()).toBe(2);
  }, 150_000);

  it("dead-letters a job whose worker died mid-job twice (stalled past maxStalledCount), without sending it a third time", async () => {
    const env = await environment((n) => (n < 2 ? "hang" : 200));
    const first = await env.startWorker();
    const jobId = await env.deliver("msg-twice");
    await waitFor("the first notice POST held open", () =>
      env.downstream.requestCount() === 1 ? true : undefined,
    );
    const second = await env.startWorker();
    await first.stop("SIGKILL");
    await waitFor(
      "the second notice POST held open",
      () => (env.downstream.requestCount() === 2 ? true : undefined),
      30_000,
    );
    await env.startWorker();
    await second.stop("SIGKILL");

    await waitFor(
      "the job dead-lettered",
      async () => ((await env.deadLetters()) === 1 ? true : undefined),
      30_000,
    );
    const job = await env.queue.getJob(jobId);
    expect(await job?.getState()).toBe("failed");
    expect(job?.failedReason).toContain("stalled more than allowable limit");
    expect(env.downstream.requestCount()).toBe(2);
  }, 120_000);
});

describe("a FLIGHT_CANCELLED delivery run again after its notice was recorded", () => {
  it("does not send the notice again", async () => {
    const env = await environment(() => 200);
    const worker = await env.startWorker();
    const jobId = await env.deliver("msg-recorded");
    await waitFor("the job completed", async () =>
      (await env.queue.getJobState(jobId)) === "completed" ? true : undefined,
    );
    expect(env.downstream.requestCount()).toBe(1);

    // The same job, same delivery id, handed to the handler a second time.
    const firstRun = await env.queue.getJob(jobId);
    const firstFinishedOn = firstRun?.finishedOn ?? 0;
    await firstRun?.retry("completed");
    await waitFor("the re-run completed", async () => {
      const job = await env.queue.getJob(jobId);
      return (await job?.getState()) === "completed" && (job?.finishedOn ?? 0) > firstFinishedOn
        ? true
        : undefined;
    });
    expect(env.downstream.requestCount()).toBe(1);
    expect(worker.logs.some((l) => l.msg === "cancellation already notified")).toBe(true);
  }, 60_000);
});
