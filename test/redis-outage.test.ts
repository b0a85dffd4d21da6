import { queueNamesFor } from "@skyhook/contracts";
import {
  createSendingNode,
  envelope,
  pnrPayload,
  type SendingNode,
} from "@skyhook/spotnana-sender";
import { Queue } from "bullmq";
import { afterEach, describe, expect, it } from "vitest";
import { devClient } from "./support/in-process.ts";
import { DeliveryAnswer, ErrorAnswer } from "./support/ingress-answers.ts";
import { jsonOf } from "./support/json-body.ts";
import { startPrivateRedis } from "./support/private-redis.ts";
import { type AppProcess, freePort, spawnApp } from "./support/processes.ts";
import { connect } from "./support/redis.ts";
import { waitFor } from "./support/wait-for.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function ingressOn(
  redisUrl: string,
  env: Record<string, string> = { ENQUEUE_TIMEOUT_MS: "1000" },
): Promise<{ app: AppProcess; baseUrl: string }> {
  const port = await freePort();
  const app = spawnApp("ingress", {
    PORT: String(port),
    HOST: "127.0.0.1",
    REDIS_URL: redisUrl,
    ...env,
  });
  cleanups.push(() => app.stop("SIGKILL"));
  await app.waitForLog("ingress listening", (l) => String(l.msg).startsWith("ingress listening"));
  return { app, baseUrl: `http://127.0.0.1:${port}` };
}

/**
 * Delivers until one is accepted (the ingress reconnects on its own), then checks the job
 * behind that 200 is really in Redis: a 200 must never stand for an event that was not stored.
 */
async function expectStoredOnceAccepted(client: SendingNode, redisUrl: string) {
  const jobId = await waitFor(
    "a 200 once Redis answers again",
    async () => {
      const response = await client.deliver(envelope("BOOKING_CREATED", pnrPayload()));
      return response.status === 200 ? (await jsonOf(response, DeliveryAnswer)).jobId : undefined;
    },
    20_000,
    250,
  );
  const redis = connect(redisUrl);
  const queue = new Queue(queueNamesFor("PNR_V3", "BOOKING_CREATED").queue, {
    connection: redis,
    prefix: "skyhook",
  });
  try {
    expect(await queue.getJobState(jobId)).toBe("waiting");
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

describe("Redis unavailable", () => {
  it("answers 503 with Retry-After, fast, while Redis is down, and 200 again once it is back", async () => {
    const redis = await startPrivateRedis();
    cleanups.push(() => redis.kill());
    const { baseUrl } = await ingressOn(redis.url);
    const client = createSendingNode({ url: baseUrl, auth: { mode: "oauth", ...devClient } });
    await client.fetchToken();

    expect((await client.deliver(envelope("BOOKING_CREATED", pnrPayload()))).status).toBe(200);

    await redis.kill();
    const startedAt = Date.now();
    const refused = await client.deliver(envelope("BOOKING_CREATED", pnrPayload()));
    expect(refused.status).toBe(503);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await jsonOf(refused, ErrorAnswer)).error.code).toBe("storage_unavailable");
    expect((await fetch(`${baseUrl}/readyz`)).status).toBe(503);
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);

    const restarted = await startPrivateRedis(redis.port);
    cleanups.push(() => restarted.kill());
    await expectStoredOnceAccepted(client, restarted.url);
  });

  it("answers 503, never 200, when Redis is down from the start, and recovers when it comes up", async () => {
    const redis = await startPrivateRedis();
    await redis.kill();
    const { baseUrl } = await ingressOn(redis.url);
    const client = createSendingNode({ url: baseUrl, auth: { mode: "oauth", ...devClient } });

    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await client.deliver(envelope("BOOKING_CREATED", pnrPayload()))).status);
    expect(statuses).toEqual([503, 503, 503]);

    const restarted = await startPrivateRedis(redis.port);
    cleanups.push(() => restarted.kill());
    await expectStoredOnceAccepted(client, restarted.url);
  });

  it("answers 503 with Retry-After within 1 s by default while Redis is frozen, and 200 to the re-send once it thaws", async () => {
    const redis = await startPrivateRedis();
    cleanups.push(() => redis.kill());
    // No ENQUEUE_TIMEOUT_MS: the default is what Spotnana meets.
    const { baseUrl } = await ingressOn(redis.url, {});
    const client = createSendingNode({ url: baseUrl, auth: { mode: "oauth", ...devClient } });
    expect((await client.deliver(envelope("BOOKING_CREATED", pnrPayload()))).status).toBe(200);

    // Frozen, not dead: the connection stays open and nothing answers, so only a timer can help.
    redis.pause();
    const body = envelope("BOOKING_CREATED", pnrPayload());
    const headers = { "x-spotnana-webhook-id": "msg-frozen" };
    const elapsedMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const startedAt = performance.now();
      const refused = await client.deliver(body, headers);
      const json = await jsonOf(refused, ErrorAnswer);
      elapsedMs.push(Math.round(performance.now() - startedAt));
      expect(refused.status).toBe(503);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(json.error.code).toBe("storage_unavailable");
    }
    const readyStartedAt = performance.now();
    expect((await fetch(`${baseUrl}/readyz`)).status).toBe(503);
    const readyMs = Math.round(performance.now() - readyStartedAt);
    console.info(
      `503 while Redis is frozen after ${elapsedMs.join(", ")} ms; /readyz ${readyMs} ms`,
    );
    // The fastest of three shows the bound without a loaded host's scheduling noise; each
    // must still be well under the old 2 s default.
    expect(Math.min(...elapsedMs)).toBeLessThan(1_000);
    expect(Math.max(...elapsedMs)).toBeLessThan(2_000);

    redis.resume();
    // What Redis was sent while frozen runs when it thaws: the event may already be stored,
    // and then the re-send is answered duplicate. Either way it is stored once.
    const resent = await waitFor(
      "a 200 to the re-send once Redis thaws",
      async () => {
        const response = await client.deliver(body, headers);
        return response.status === 200 ? await jsonOf(response, DeliveryAnswer) : undefined;
      },
      20_000,
      250,
    );
    expect(["accepted", "duplicate"]).toContain(resent.status);
    const connection = connect(redis.url);
    const queue = new Queue(queueNamesFor("PNR_V3", "BOOKING_CREATED").queue, {
      connection,
      prefix: "skyhook",
    });
    try {
      expect(await queue.getJobState(resent.jobId)).toBe("waiting");
      expect(await queue.getJobCounts("waiting")).toEqual({ waiting: 2 });
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });
});
