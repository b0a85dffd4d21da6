import { once } from "node:events";
import { createServer, type Socket } from "node:net";
import { queueNamesFor, unroutedQueueNames } from "@skyhook/contracts";
import { Redis } from "ioredis";
import pino from "pino";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../../test/support/processes.ts";
import { parsePrometheus } from "../../../test/support/prometheus.ts";
import { connect, deletePrefix, uniquePrefix } from "../../../test/support/redis.ts";
import { createProducerConnection, type RedisClient } from "./connections.ts";
import { keyNames } from "./keys.ts";
import { registerQueueGauges } from "./queue-gauges.ts";
import { createQueuePool } from "./queue-pool.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const created = queueNamesFor("PNR_V3", "BOOKING_CREATED");

function gauges(redis: RedisClient, prefix: string) {
  const lines: Array<{ msg: string }> = [];
  const logger = pino(
    { level: "info" },
    { write: (line: string) => lines.push(JSON.parse(line) as { msg: string }) },
  );
  const registry = new Registry();
  const pool = createQueuePool({ connection: redis, prefix, logger, observer: true });
  cleanups.push(() => pool.close());
  registerQueueGauges({
    registry,
    redis,
    keys: keyNames(prefix),
    pool,
    queues: () => [created, unroutedQueueNames],
    logger,
  });
  return { registry, pool, lines };
}

describe("registerQueueGauges", () => {
  it("reads each queue's states and ledger, and only the waiting count of the catch-all", async () => {
    const prefix = uniquePrefix("gauges");
    const redis = connect();
    cleanups.push(async () => {
      await deletePrefix(redis, prefix);
      redis.disconnect();
    });
    const { registry, pool } = gauges(redis, prefix);
    await pool.get(created.queue).add("x", {});
    await pool.get(created.queue).add("y", {}, { delay: 60_000 });
    await pool.get(created.deadLetter).add("z", {});
    await pool.get(unroutedQueueNames.queue).add("u", {});

    const s = parsePrometheus(await registry.metrics());
    const queue = "pnr-v3.booking-created";
    expect(s.value("skyhook_queue_jobs", { queue, state: "waiting" })).toBe(1);
    expect(s.value("skyhook_queue_jobs", { queue, state: "delayed" })).toBe(1);
    expect(s.value("skyhook_queue_jobs", { queue, state: "dead_letter" })).toBe(1);
    expect(s.value("skyhook_queue_jobs", { queue, state: "stale" })).toBe(0);
    expect(s.find("skyhook_queue_jobs", { queue: "unrouted" })).toEqual([
      { name: "skyhook_queue_jobs", labels: { queue: "unrouted", state: "waiting" }, value: 1 },
    ]);
    // Jobs added behind the ledger's back: three held, none accepted.
    expect(s.value("skyhook_ledger_difference", { queue })).toBe(-3);
    expect(s.find("skyhook_ledger_difference", { queue: "unrouted" })).toEqual([]);
    expect(s.value("skyhook_ledger_events", { queue, counter: "accepted" })).toBe(0);
  });

  it("answers a scrape without the Redis gauges, and without throwing, while Redis is down", async () => {
    const redis = createProducerConnection(
      { url: `redis://127.0.0.1:${await freePort()}` },
      {
        commandTimeoutMs: 1_000,
      },
    );
    redis.on("error", () => undefined);
    cleanups.push(async () => redis.disconnect());
    const { registry, lines } = gauges(redis, "down");
    const s = parsePrometheus(await registry.metrics());
    expect(s.types.get("skyhook_queue_jobs")).toBe("gauge");
    expect(s.find("skyhook_queue_jobs")).toEqual([]);
    expect(s.find("skyhook_ledger_difference")).toEqual([]);
    await registry.metrics();
    // Said once, not on every scrape.
    expect(lines.filter((l) => l.msg.startsWith("metrics: some queues"))).toHaveLength(1);
  });

  it("answers within its time limit when Redis accepts the connection but never replies", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    silent.listen(0, "127.0.0.1");
    await once(silent, "listening");
    const address = silent.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    cleanups.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    // The worker's kind of connection: commands wait in its offline queue for ever.
    const redis = new Redis(port, "127.0.0.1", { maxRetriesPerRequest: null });
    redis.on("error", () => undefined);
    cleanups.push(async () => redis.disconnect());
    const { registry } = gauges(redis, "silent");

    const startedAt = Date.now();
    const s = parsePrometheus(await registry.metrics());
    // The limit is 1 s; this generous bound only separates an answer from a hang.
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(s.find("skyhook_queue_jobs")).toEqual([]);
  });
});
