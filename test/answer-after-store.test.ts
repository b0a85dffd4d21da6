import { queueNamesFor } from "@skyhook/contracts";
import { createSendingNode, envelope, pnrPayload } from "@skyhook/spotnana-sender";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devClient, startIngress } from "./support/in-process.ts";
import { DeliveryAnswer } from "./support/ingress-answers.ts";
import { jsonOf } from "./support/json-body.ts";
import { startPrivateRedis } from "./support/private-redis.ts";
import { connect, uniquePrefix } from "./support/redis.ts";
import { waitFor } from "./support/wait-for.ts";

// A Redis of this test's own: it pauses every client's writes, which would stall other tests.
let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
let admin: Redis;
let ingress: Awaited<ReturnType<typeof startIngress>>;
let queue: Queue;
const prefix = uniquePrefix("answer-after-store");

beforeAll(async () => {
  redis = await startPrivateRedis();
  admin = connect(redis.url);
  // Longer than the pause, so the held write ends in a store, not in a 503.
  ingress = await startIngress({
    REDIS_URL: redis.url,
    QUEUE_PREFIX: prefix,
    ENQUEUE_TIMEOUT_MS: "20000",
  });
  queue = new Queue(queueNamesFor("PNR_V3", "BOOKING_CREATED").queue, {
    connection: connect(redis.url),
    prefix,
  });
});
afterAll(async () => {
  await admin.client("UNPAUSE").catch(() => undefined);
  await ingress?.close();
  await queue?.close();
  admin?.disconnect();
  await redis?.kill();
});

const blockedClients = async () =>
  Number(/blocked_clients:(\d+)/.exec(await admin.info("clients"))?.[1] ?? Number.NaN);

describe("answering only after the store", () => {
  it("holds the 200 while Redis cannot write, and the job is readable once it is answered", async () => {
    const client = createSendingNode({
      url: ingress.baseUrl,
      auth: { mode: "oauth", ...devClient },
    });
    // Token fetched and scripts loaded first, so the paused write is the delivery's own.
    const warmUp = await client.deliver(envelope("BOOKING_CREATED", pnrPayload({ pnrId: "W" })));
    expect(warmUp.status).toBe(200);
    const before = await blockedClients();

    await admin.client("PAUSE", 60_000, "WRITE");
    let answeredWhilePaused = false;
    let paused = true;
    const answer = client
      .deliver(envelope("BOOKING_CREATED", pnrPayload({ pnrId: "PNR-HELD" })))
      .then((response) => {
        answeredWhilePaused = paused;
        return response;
      });
    await waitFor("the delivery's write to be held by the pause", async () =>
      (await blockedClients()) > before ? true : undefined,
    );
    // A 200 sent before the write would already be on its way: give it time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(answeredWhilePaused).toBe(false);

    paused = false;
    await admin.client("UNPAUSE");
    const response = await answer;
    expect(answeredWhilePaused).toBe(false);
    expect(response.status).toBe(200);
    const { jobId } = await jsonOf(response, DeliveryAnswer);
    const job = await queue.getJob(jobId);
    expect(job?.data.keys.pnrId).toBe("PNR-HELD");
  });
});
