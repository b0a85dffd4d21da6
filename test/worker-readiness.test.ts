import { queueNamesFor } from "@skyhook/contracts";
import { createSendingNode, defaultFlights, envelope, pnrPayload } from "@skyhook/spotnana-sender";
import { Queue } from "bullmq";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { startDownstream } from "./support/downstream.ts";
import { devClient, startIngress, startWorkerWithOps } from "./support/in-process.ts";
import { jsonOf } from "./support/json-body.ts";
import { startPrivateRedis } from "./support/private-redis.ts";
import { freePort, opsUrlOf, spawnApp } from "./support/processes.ts";
import { projectionKeyOf } from "./support/projection.ts";
import { scrape } from "./support/prometheus.ts";
import { connect, deletePrefix, uniquePrefix } from "./support/redis.ts";
import { waitFor } from "./support/wait-for.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The worker's `/readyz` answer: Redis, and each queue it consumes that is stuck, and why. */
const Readiness = z.looseObject({
  status: z.enum(["ready", "not ready"]),
  ready: z.boolean(),
  redis: z.enum(["ok", "unavailable"]),
  stuck: z.array(
    z.looseObject({
      queue: z.string(),
      since: z.string(),
      backlog: z.number(),
      lastError: z.string().optional(),
    }),
  ),
});

const readyz = async (opsUrl: string) => {
  const response = await fetch(`${opsUrl}/readyz`);
  return { status: response.status, body: await jsonOf(response, Readiness) };
};

const untilReadiness = (opsUrl: string, status: number, timeoutMs = 30_000) =>
  waitFor(
    `/readyz ${status}`,
    async () => {
      const answer = await readyz(opsUrl);
      return answer.status === status ? answer.body : undefined;
    },
    timeoutMs,
    100,
  );

const cancelled = queueNamesFor("PNR_V3", "FLIGHT_CANCELLED");
const [outbound, inbound] = defaultFlights as [
  (typeof defaultFlights)[0],
  (typeof defaultFlights)[0],
];

describe("worker readiness", () => {
  it("turns not ready soon after its Redis dies, and ready again by itself once Redis is back, finishing the work", async () => {
    const redis = await startPrivateRedis();
    cleanups.push(() => redis.kill());
    const worker = spawnApp("worker", {
      REDIS_URL: redis.url,
      WORKER_OPERATIONS: "PNR_V3/BOOKING_CREATED",
      WORKER_STALL_AFTER_MS: "2000",
    });
    cleanups.push(() => worker.stop("SIGKILL"));
    const ops = await opsUrlOf(worker);
    await untilReadiness(ops, 200);

    const ingress = await startIngress({ REDIS_URL: redis.url, ENQUEUE_TIMEOUT_MS: "1000" });
    cleanups.push(() => ingress.close());
    const client = createSendingNode({
      url: ingress.baseUrl,
      auth: { mode: "oauth", ...devClient },
    });
    for (let n = 0; n < 3; n++)
      expect((await client.deliver(envelope("BOOKING_CREATED", pnrPayload()))).status).toBe(200);
    const queue = "pnr-v3.booking-created";
    await waitFor("three jobs completed", async () =>
      (await scrape(ops)).value("skyhook_jobs_total", { queue, outcome: "completed" }) === 3
        ? true
        : undefined,
    );

    await redis.kill();
    const down = await untilReadiness(ops, 503, 10_000);
    // Not ready because Redis is gone; no queue is called stuck on a backlog it cannot see.
    expect(down).toMatchObject({ status: "not ready", redis: "unavailable", stuck: [] });
    expect((await fetch(`${ops}/healthz`)).status).toBe(200);
    // A scrape still answers, bounded, with what it has: nothing read from Redis.
    const startedAt = Date.now();
    const during = await scrape(ops);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(during.find("skyhook_queue_jobs")).toEqual([]);
    expect(during.value("skyhook_jobs_total", { queue, outcome: "completed" })).toBe(3);
    await waitFor("skyhook_worker_ready 0", async () =>
      (await scrape(ops)).value("skyhook_worker_ready", { queue }) === 0 ? true : undefined,
    );

    const restarted = await startPrivateRedis(redis.port);
    cleanups.push(() => restarted.kill());
    const payload = pnrPayload();
    await waitFor(
      "a delivery accepted once Redis is back",
      async () =>
        (await client.deliver(envelope("BOOKING_CREATED", payload))).status === 200
          ? true
          : undefined,
      20_000,
      250,
    );
    expect(await untilReadiness(ops, 200)).toMatchObject({ redis: "ok", stuck: [] });
    const check = connect(restarted.url);
    cleanups.push(async () => check.disconnect());
    await waitFor(
      "the new event handled",
      async () => (await check.exists(projectionKeyOf("skyhook", payload.pnrId))) || undefined,
      20_000,
    );
    expect(worker.child.exitCode).toBeNull();
  });

  it("stays ready while idle on an empty queue, however long it waits", async () => {
    const prefix = uniquePrefix("idle");
    const redis = connect();
    const worker = await startWorkerWithOps({ QUEUE_PREFIX: prefix, WORKER_STALL_AFTER_MS: "500" });
    cleanups.push(async () => {
      await worker.close();
      await deletePrefix(redis, prefix);
      redis.disconnect();
    });
    // Not ready until its Redis connection is up; from then on, ready for good.
    await untilReadiness(worker.opsUrl, 200);
    // Several times the stall limit, with checks running all along (every 250 ms here).
    const until = Date.now() + 3_000;
    const answers: number[] = [];
    while (Date.now() < until) {
      const answer = await readyz(worker.opsUrl);
      answers.push(answer.status);
      expect(answer.body.stuck).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(answers.length).toBeGreaterThan(5);
    expect(new Set(answers)).toEqual(new Set([200]));
    const s = await scrape(worker.opsUrl);
    expect(s.value("skyhook_worker_ready", { queue: "pnr-v3.booking-created" })).toBe(1);
    expect(s.value("skyhook_worker_ready", { queue: "pnr-v3.flight-cancelled" })).toBe(1);
  });

  it("names the stuck queue while Redis answers pings but refuses writes, and recovers by itself", async () => {
    const redis = await startPrivateRedis();
    cleanups.push(() => redis.kill());
    const admin = connect(redis.url);
    cleanups.push(async () => admin.disconnect());
    // The first notice fails, so the event waits for its retry in `delayed`.
    const downstream = await startDownstream((n) => (n === 0 ? 500 : 200));
    cleanups.push(() => downstream.close());
    const ingress = await startIngress({
      REDIS_URL: redis.url,
      RETRY_ATTEMPTS: "3",
      RETRY_BACKOFF_MS: "3000",
    });
    cleanups.push(() => ingress.close());
    const worker = await startWorkerWithOps({
      REDIS_URL: redis.url,
      NOTIFY_URL: downstream.url,
      WORKER_STALL_AFTER_MS: "1500",
    });
    cleanups.push(() => worker.close());
    const client = createSendingNode({
      url: ingress.baseUrl,
      auth: { mode: "oauth", ...devClient },
    });
    const queue = new Queue(cancelled.queue, { connection: admin, prefix: "skyhook" });
    cleanups.push(() => queue.close());

    const response = await client.deliver(
      envelope(
        "FLIGHT_CANCELLED",
        pnrPayload({ flights: [{ ...outbound, cancelled: true }, inbound] }),
      ),
    );
    expect(response.status).toBe(200);
    await waitFor("the retry waiting in delayed", async () =>
      (await queue.getDelayedCount()) === 1 ? true : undefined,
    );
    // A primary demoted to a replica (a failover the worker's connection did not follow):
    // PING and reads are answered, every write is refused, so nothing can be fetched.
    await admin.call("REPLICAOF", "127.0.0.1", String(await freePort()));

    const stuck = await untilReadiness(worker.opsUrl, 503, 20_000);
    expect(stuck.redis).toBe("ok");
    expect(stuck.stuck.map((s) => s.queue)).toEqual([cancelled.queue]);
    expect(stuck.stuck[0]).toMatchObject({ backlog: 1, inFlight: 0, concurrency: 10 });
    expect(stuck.stuck[0]?.lastError).toMatch(/READONLY/);
    expect(Number.isNaN(Date.parse(stuck.stuck[0]?.since ?? ""))).toBe(false);
    const during = await scrape(worker.opsUrl);
    expect(during.value("skyhook_worker_ready", { queue: "pnr-v3.flight-cancelled" })).toBe(0);
    expect(during.value("skyhook_worker_ready", { queue: "pnr-v3.booking-created" })).toBe(1);

    await admin.call("REPLICAOF", "NO", "ONE");
    expect(await untilReadiness(worker.opsUrl, 200)).toMatchObject({ redis: "ok", stuck: [] });
    await waitFor("the retried event completed", async () =>
      (await scrape(worker.opsUrl)).value("skyhook_jobs_total", {
        queue: "pnr-v3.flight-cancelled",
        outcome: "completed",
      }) === 1
        ? true
        : undefined,
    );
    expect(downstream.requestCount()).toBe(2);
  });
});
