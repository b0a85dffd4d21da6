import { type DeadLetterJob, queueNamesFor } from "@skyhook/contracts";
import { deadLetterJobId } from "@skyhook/queue-kit";
import {
  createSendingNode,
  defaultFlights,
  envelope,
  pnrPayload,
  segmentId,
} from "@skyhook/spotnana-sender";
import { Queue } from "bullmq";
import { afterEach, describe, expect, it } from "vitest";
import { startDownstream } from "./support/downstream.ts";
import { devClient, startIngress, startWorker } from "./support/in-process.ts";
import { DeliveryAnswer } from "./support/ingress-answers.ts";
import { jsonOf } from "./support/json-body.ts";
import { projectionKeyOf } from "./support/projection.ts";
import { connect, deletePrefix, uniquePrefix } from "./support/redis.ts";
import { waitFor } from "./support/wait-for.ts";

const cancelled = queueNamesFor("PNR_V3", "FLIGHT_CANCELLED");
const created = queueNamesFor("PNR_V3", "BOOKING_CREATED");
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const notifyAuthorization = "Bearer pipeline-notify-token";

/** Ingress, worker and a scripted notification receiver, wired like production, on a private prefix. */
async function pipeline(
  respond: (n: number) => number | "hang" = () => 200,
  retry = { attempts: "4", backoffMs: "20" },
) {
  const prefix = uniquePrefix("pipe");
  const redis = connect();
  const downstream = await startDownstream(respond);
  const ingress = await startIngress({
    QUEUE_PREFIX: prefix,
    RETRY_ATTEMPTS: retry.attempts,
    RETRY_BACKOFF_MS: retry.backoffMs,
  });
  const worker = startWorker({
    QUEUE_PREFIX: prefix,
    NOTIFY_URL: downstream.url,
    NOTIFY_AUTHORIZATION: notifyAuthorization,
    NOTIFY_TIMEOUT_MS: "2000",
  });
  const queues = new Map<string, Queue>();
  const queue = (name: string) => {
    const existing = queues.get(name);
    if (existing !== undefined) return existing;
    const q = new Queue(name, { connection: redis, prefix });
    queues.set(name, q);
    return q;
  };
  cleanups.push(async () => {
    await worker.close();
    await ingress.close();
    await downstream.close();
    await Promise.all([...queues.values()].map((q) => q.close()));
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });
  const projection = async (pnrId: string) => {
    const raw = await redis.get(projectionKeyOf(prefix, pnrId));
    return raw === null ? undefined : (JSON.parse(raw) as Record<string, unknown>);
  };
  const finished = (name: string, jobId: string, state: "completed" | "failed") =>
    waitFor(`${jobId} ${state}`, async () =>
      (await queue(name).getJobState(jobId)) === state ? true : undefined,
    );
  const deadLetter = (name: string, jobId: string) =>
    waitFor(
      `dead letter of ${jobId}`,
      async () =>
        (await queue(name).getJob(deadLetterJobId(jobId)))?.data as DeadLetterJob | undefined,
    );
  return {
    client: createSendingNode({ url: ingress.baseUrl, auth: { mode: "oauth", ...devClient } }),
    downstream,
    queue,
    projection,
    finished,
    deadLetter,
  };
}

const [outbound, inbound] = defaultFlights as [
  (typeof defaultFlights)[0],
  (typeof defaultFlights)[0],
];

describe("pipeline: HTTP in, projection and notification out", () => {
  it("records a BOOKING_CREATED in the projection", async () => {
    const p = await pipeline();
    const payload = pnrPayload({ version: 3 });
    const response = await p.client.deliver(envelope("BOOKING_CREATED", payload));
    expect(response.status).toBe(200);
    const record = await waitFor("projection", () => p.projection(payload.pnrId));
    expect(record).toMatchObject({
      pnrId: payload.pnrId,
      tripId: "TRIP-1",
      organizationId: "ORG-42",
      version: 3,
      status: "CONFIRMED_STATUS",
      travelerUserIds: ["USER-1"],
      totalFare: { amount: 812.4, currencyCode: "USD" },
      cancelledSegmentIds: [],
    });
    expect(record.segments).toHaveLength(2);
    expect(JSON.stringify(record)).not.toContain("Lovelace");
  });

  it("marks the cancelled segment on the booking and notifies its travelers once, with the configured Authorization", async () => {
    const p = await pipeline();
    const booked = pnrPayload({ version: 1 });
    await p.client.deliver(envelope("BOOKING_CREATED", booked));
    await waitFor("booking", () => p.projection(booked.pnrId));

    const cancellation = pnrPayload({
      pnrId: booked.pnrId,
      version: 2,
      flights: [{ ...outbound, cancelled: true }, inbound],
    });
    const response = await p.client.deliver(envelope("FLIGHT_CANCELLED", cancellation), {
      "x-spotnana-webhook-id": `msg-${booked.pnrId}`,
    });
    expect(response.status).toBe(200);
    const { jobId } = await jsonOf(response, DeliveryAnswer);
    await p.finished(cancelled.queue, jobId, "completed");

    const record = await p.projection(booked.pnrId);
    expect(record?.cancelledSegmentIds).toEqual([segmentId(outbound)]);
    expect(record?.version).toBe(2);
    expect(p.downstream.received).toHaveLength(1);
    const [notice] = p.downstream.received;
    expect(notice?.headers["idempotency-key"]).toBe(`msg-${booked.pnrId}`);
    expect(notice?.headers.authorization).toBe(notifyAuthorization);
    expect(notice?.body).toMatchObject({
      type: "FLIGHT_CANCELLED",
      pnrId: booked.pnrId,
      travelerUserIds: ["USER-1"],
      cancelledSegments: [
        { segmentId: segmentId(outbound), flight: "UA100", origin: "SFO", destination: "JFK" },
      ],
    });
  });

  it("applies the same delivery sent twice only once", async () => {
    const p = await pipeline();
    const payload = pnrPayload({ flights: [{ ...outbound, cancelled: true }] });
    const body = envelope("FLIGHT_CANCELLED", payload);
    const first = await p.client.deliver(body, { "x-spotnana-webhook-id": "msg-dup" });
    const { jobId } = await jsonOf(first, DeliveryAnswer);
    await p.finished(cancelled.queue, jobId, "completed");
    const second = await p.client.deliver(body, { "x-spotnana-webhook-id": "msg-dup" });
    expect(second.status).toBe(200);

    // The ingress answers 200 only after the add, so a second job would already be counted here.
    const counts = await p
      .queue(cancelled.queue)
      .getJobCounts("completed", "waiting", "active", "delayed");
    expect(counts).toEqual({ completed: 1, waiting: 0, active: 0, delayed: 0 });
    expect(p.downstream.requestCount()).toBe(1);
  });

  it("retries a transient handler failure and then succeeds", async () => {
    const p = await pipeline((n) => (n < 2 ? 500 : 200));
    const payload = pnrPayload({ flights: [{ ...outbound, cancelled: true }] });
    const response = await p.client.deliver(envelope("FLIGHT_CANCELLED", payload), {
      "x-spotnana-webhook-id": "msg-flaky",
    });
    const { jobId } = await jsonOf(response, DeliveryAnswer);
    await p.finished(cancelled.queue, jobId, "completed");
    const job = await p.queue(cancelled.queue).getJob(jobId);
    expect(job?.attemptsMade).toBe(3);
    expect(p.downstream.requestCount()).toBe(3);
    expect(new Set(p.downstream.received.map((r) => r.headers["idempotency-key"]))).toEqual(
      new Set(["msg-flaky"]),
    );
    expect(await p.queue(cancelled.deadLetter).getJob(deadLetterJobId(jobId))).toBeUndefined();
  });

  it("dead-letters a persistently failing event after its last attempt, with the failure history", async () => {
    const p = await pipeline(() => 500, { attempts: "3", backoffMs: "10" });
    const body = envelope(
      "FLIGHT_CANCELLED",
      pnrPayload({ flights: [{ ...outbound, cancelled: true }] }),
    );
    const response = await p.client.deliver(body, { "x-spotnana-webhook-id": "msg-down" });
    const { jobId } = await jsonOf(response, DeliveryAnswer);
    const letter = await p.deadLetter(cancelled.deadLetter, jobId);
    await p.finished(cancelled.queue, jobId, "failed");

    expect(letter.failure).toMatchObject({
      reason: "retries-exhausted",
      queue: cancelled.queue,
      jobId,
    });
    expect(letter.failure.history.map((h) => h.attempt)).toEqual([1, 2, 3]);
    expect(letter.failure.history.every((h) => h.error.includes("answered 500"))).toBe(true);
    expect((letter.event as { envelope: unknown }).envelope).toEqual(body);
    expect(p.downstream.requestCount()).toBe(3);
  });

  it("dead-letters at once, without retrying, when the handler raises a permanent error", async () => {
    const p = await pipeline(() => 422);
    const response = await p.client.deliver(
      envelope("FLIGHT_CANCELLED", pnrPayload({ flights: [{ ...outbound, cancelled: true }] })),
      { "x-spotnana-webhook-id": "msg-refused" },
    );
    const { jobId } = await jsonOf(response, DeliveryAnswer);
    const letter = await p.deadLetter(cancelled.deadLetter, jobId);
    await p.finished(cancelled.queue, jobId, "failed");
    expect(letter.failure.reason).toBe("permanent-error");
    expect(letter.failure.history).toHaveLength(1);
    expect(p.downstream.requestCount()).toBe(1);
    expect((await p.queue(cancelled.queue).getJob(jobId))?.attemptsMade).toBe(1);
  });

  it("dead-letters at once an event whose payload fails its operation's schema", async () => {
    const p = await pipeline();
    const response = await p.client.deliver(
      envelope("BOOKING_CREATED", { tripId: "no pnr id here" }),
    );
    expect(response.status).toBe(200);
    const { jobId } = await jsonOf(response, DeliveryAnswer);
    const letter = await p.deadLetter(created.deadLetter, jobId);
    expect(letter.failure.reason).toBe("invalid-payload");
    expect(letter.failure.history[0]?.error).toContain("payload.pnrId");
    await p.finished(created.queue, jobId, "failed");
  });
});

describe("deduplication outlives the job", () => {
  it("does not run a re-send again after the completed job was removed by retention", async () => {
    const prefix = uniquePrefix("retain");
    const redis = connect();
    const downstream = await startDownstream();
    const ingress = await startIngress({ QUEUE_PREFIX: prefix, RETAIN_COMPLETED_COUNT: "0" });
    const worker = startWorker({ QUEUE_PREFIX: prefix, NOTIFY_URL: downstream.url });
    const queue = new Queue(cancelled.queue, { connection: redis, prefix });
    cleanups.push(async () => {
      await ingress.close();
      await downstream.close();
      await queue.close();
      await deletePrefix(redis, prefix);
      redis.disconnect();
    });
    const client = createSendingNode({
      url: ingress.baseUrl,
      auth: { mode: "oauth", ...devClient },
    });
    const body = envelope(
      "FLIGHT_CANCELLED",
      pnrPayload({ flights: [{ ...outbound, cancelled: true }] }),
    );
    const first = await client.deliver(body, { "x-spotnana-webhook-id": "msg-retained" });
    const { jobId } = await jsonOf(first, DeliveryAnswer);
    await waitFor("the job to be handled and removed", async () =>
      downstream.requestCount() === 1 && (await queue.getJob(jobId)) === undefined
        ? true
        : undefined,
    );
    // With no worker left, a re-enqueued job would stay visible in the queue.
    await worker.close();

    const again = await client.deliver(body, { "x-spotnana-webhook-id": "msg-retained" });
    expect(again.status).toBe(200);
    expect(await queue.getJob(jobId)).toBeUndefined();
    expect(await queue.getJobCounts("waiting", "active", "delayed")).toEqual({
      waiting: 0,
      active: 0,
      delayed: 0,
    });
    expect(downstream.requestCount()).toBe(1);
  });
});
