import { once } from "node:events";
import { createServer, type Socket } from "node:net";
import { createCatalog, type EventJob, queueNamesFor, type Route } from "@skyhook/contracts";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { createEnqueuer, StorageUnavailable } from "./enqueuer.ts";
import { filteredJobId } from "./job-ids.ts";
import { keyNames } from "./keys.ts";
import { createLedger } from "./ledger.ts";
import { createQueuePool } from "./queue-pool.ts";

const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const redis = new Redis(url, { maxRetriesPerRequest: null });
const prefix = `test-enq-${Math.random().toString(16).slice(2, 10)}`;
const logger = pino({ level: "silent" });
const queues = createQueuePool({ connection: redis, prefix, logger });
const ledger = createLedger(redis, keyNames(prefix));
const settings = { dedupTtlSec: 600 };
const enqueuer = createEnqueuer({ queues, ledger, timeoutMs: 5_000, settings });
const retry = { attempts: 3, backoffMs: 100, jitter: 0.5, maxBackoffMs: 60_000, horizonSec: 3_600 };
const route: Route = { spec: undefined, queues: queueNamesFor("PNR_V3", "ENQ_TEST"), retry };
const unrouted = createCatalog([]).route("PNR_V3", "NOBODY_HANDLES");

const job = (deliveryId: string): EventJob => ({
  v: 1,
  deliveryId,
  deliveryIdSource: "webhook-id",
  subscription: "s",
  receivedAt: "2026-11-27T10:00:00.000Z",
  eventType: "PNR_V3",
  operation: "ENQ_TEST",
  keys: { pnrId: "P1" },
  trace: { requestId: "r" },
  envelope: { payload: { pnrId: "P1" } },
});

afterAll(async () => {
  for (const name of [route.queues.queue, route.queues.filtered, unrouted.queues.queue])
    await queues.get(name).obliterate({ force: true });
  const rest = await redis.keys(`${prefix}:*`);
  if (rest.length > 0) await redis.del(...rest);
  await queues.close();
  redis.disconnect();
});

describe("createEnqueuer", () => {
  it("stores the job under its id with the route's job options, then counts it accepted", async () => {
    expect(await enqueuer.enqueue(route, job("d1"), "wh-d1")).toBe("accepted");
    const stored = await queues.get(route.queues.queue).getJob("wh-d1");
    expect(stored?.name).toBe("PNR_V3.ENQ_TEST");
    expect(stored?.data).toEqual(job("d1"));
    expect(stored?.opts).toMatchObject({
      attempts: 3,
      backoff: { type: "skyhook-capped", delay: 100, jitter: 0.5 },
      deduplication: { id: "wh-d1", ttl: 600_000 },
    });
    const ledgerFields = await redis.hgetall(keyNames(prefix).ledger(route.queues.queue));
    expect(ledgerFields).toMatchObject({ "accepted|s|PNR_V3|ENQ_TEST": "1" });
  });

  it("answers duplicate for a re-send, and stores nothing more", async () => {
    expect(await enqueuer.enqueue(route, job("d2"), "wh-d2")).toBe("accepted");
    expect(await enqueuer.enqueue(route, job("d2"), "wh-d2")).toBe("duplicate");
    expect(await queues.get(route.queues.queue).getWaitingCount()).toBe(2);
  });

  it("indexes unrouted events by their routing pair, and only those", async () => {
    expect(await enqueuer.enqueue(unrouted, job("d3"), "wh-d3")).toBe("accepted");
    const index = (queue: string) => keyNames(prefix).pairIndex(queue, "PNR_V3", "ENQ_TEST");
    expect(await redis.exists(index(unrouted.queues.queue))).toBe(1);
    expect(await redis.exists(index(route.queues.queue))).toBe(0);
  });

  it("stores and counts concurrent deliveries to one queue, each answered for its own job", async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `c${i}`);
    const answers = await Promise.all(
      ids.map((id) => enqueuer.enqueue(route, job(id), `wh-${id}`)),
    );
    expect(answers).toEqual(ids.map(() => "accepted"));
    for (const id of ids) {
      expect((await queues.get(route.queues.queue).getJob(`wh-${id}`))?.data).toEqual(job(id));
    }
    const again = await Promise.all([
      enqueuer.enqueue(route, job("c0"), "wh-c0"),
      enqueuer.enqueue(route, job("c20"), "wh-c20"),
      enqueuer.enqueue(route, job("c20"), "wh-c20"),
    ]);
    expect(again).toEqual(["duplicate", "accepted", "duplicate"]);
  });

  it("fails only the delivery Redis refuses among concurrent ones to the same queue", async () => {
    // A string where the job's hash would be: the count's HSETNX gets WRONGTYPE for this one.
    await redis.set(keyNames(prefix).job(route.queues.queue, "wh-bad"), "not a hash");
    const settled = await Promise.allSettled([
      enqueuer.enqueue(route, job("ok1"), "wh-ok1"),
      enqueuer.enqueue(route, job("bad"), "wh-bad"),
      enqueuer.enqueue(route, job("ok2"), "wh-ok2"),
    ]);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(StorageUnavailable);
    expect(await queues.get(route.queues.queue).getJob("wh-ok2")).toBeDefined();
  });

  it("counts a filtered delivery once per delivery id", async () => {
    expect(await enqueuer.filtered(route, job("f1"), "wh-f1", "organization")).toBe("filtered");
    expect(await enqueuer.filtered(route, job("f1"), "wh-f1", "organization")).toBe("duplicate");
  });

  it("keeps a filtered delivery whole in the route's filtered queue, once, with the filter's reason", async () => {
    expect(await enqueuer.filtered(route, job("f2"), "wh-f2", "organization")).toBe("filtered");
    expect(await enqueuer.filtered(route, job("f2"), "wh-f2", "organization")).toBe("duplicate");
    const filtered = queues.get(route.queues.filtered);
    expect(await filtered.getJob(filteredJobId("wh-f2"))).toMatchObject({
      name: "PNR_V3.ENQ_TEST",
      data: {
        v: 1,
        event: job("f2"),
        filtered: {
          reason: "organization",
          queue: route.queues.queue,
          jobId: "wh-f2",
          filteredAt: job("f2").receivedAt,
        },
      },
    });
    expect(await filtered.getJobs(["waiting"])).toHaveLength(2);
    expect(await queues.get(route.queues.queue).getJob("wh-f2")).toBeUndefined();
  });

  it("throws StorageUnavailable when Redis cannot confirm the write", async () => {
    const dead = new Redis(1, "127.0.0.1", {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    dead.on("error", () => undefined);
    const deadQueues = createQueuePool({ connection: dead, prefix, logger });
    const failing = createEnqueuer({
      queues: deadQueues,
      ledger: createLedger(dead, keyNames(prefix)),
      timeoutMs: 1_000,
      settings,
    });
    const refused = await failing.enqueue(route, job("d4"), "wh-d4").catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(StorageUnavailable);
    expect(refused).toMatchObject({
      name: "StorageUnavailable",
      message: "the event could not be stored",
    });
    expect((refused as Error).cause).toBeInstanceOf(Error);
    await expect(failing.filtered(route, job("d6"), "wh-d6", "r")).rejects.toBeInstanceOf(
      StorageUnavailable,
    );
    await deadQueues.close().catch(() => undefined);
    dead.disconnect();
  });

  it("gives up after timeoutMs when Redis takes the connection but never answers", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket)).listen(0, "127.0.0.1");
    await once(silent, "listening");
    const { port } = silent.address() as { port: number };
    const mute = new Redis(port, "127.0.0.1", { maxRetriesPerRequest: null });
    mute.on("error", () => undefined);
    const muteQueues = createQueuePool({ connection: mute, prefix, logger });
    const failing = createEnqueuer({
      queues: muteQueues,
      ledger: createLedger(mute, keyNames(prefix)),
      timeoutMs: 300,
      settings,
    });
    const refused = await failing.enqueue(route, job("d5"), "wh-d5").catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(StorageUnavailable);
    expect(((refused as Error).cause as Error).message).toBe("Redis did not answer within 300 ms");
    mute.disconnect();
    for (const socket of sockets) socket.destroy();
    silent.close();
  });
});
