import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { addJobsPipelined } from "./pipelined-adds.ts";
import { createQueuePool } from "./queue-pool.ts";

const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", {
  maxRetriesPerRequest: null,
});
const prefix = `test-padd-${Math.random().toString(16).slice(2, 10)}`;
const queues = createQueuePool({ connection: redis, prefix, logger: pino({ level: "silent" }) });
const queue = queues.get("pnr-v3.padd-test");

afterAll(async () => {
  await queue.obliterate({ force: true });
  await queues.close();
  redis.disconnect();
});

describe("addJobsPipelined", () => {
  it("adds every job under its id with its options, as Queue.add would", async () => {
    const results = await addJobsPipelined(queue, [
      { name: "A", data: { n: 1 }, opts: { jobId: "j1", attempts: 3 } },
      {
        name: "B",
        data: { n: 2 },
        opts: { jobId: "j2", deduplication: { id: "j2", ttl: 60_000 } },
      },
    ]);
    expect(results).toEqual([
      { ok: true, value: "j1" },
      { ok: true, value: "j2" },
    ]);
    const [one, two] = await Promise.all([queue.getJob("j1"), queue.getJob("j2")]);
    expect(one).toMatchObject({ name: "A", data: { n: 1 }, opts: { attempts: 3 } });
    expect(two?.deduplicationId).toBe("j2");
    // A re-send of a deduplicated job is not stored again.
    await addJobsPipelined(queue, [{ name: "B", data: { n: 3 }, opts: { jobId: "j2" } }]);
    expect((await queue.getJob("j2"))?.data).toEqual({ n: 2 });
  });

  it("refuses only the job BullMQ refuses, and still adds the others", async () => {
    const results = await addJobsPipelined(queue, [
      { name: "A", data: {}, opts: { jobId: "k1" } },
      { name: "A", data: {}, opts: { jobId: "22" } },
      { name: "A", data: {}, opts: { jobId: "k3" } },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(results[2]).toEqual({ ok: true, value: "k3" });
    expect(results[1]).toMatchObject({
      ok: false,
      error: { message: "Custom Id cannot be integers" },
    });
    expect(await queue.getJob("22")).toBeUndefined();
    expect(await queue.getJob("k3")).toBeDefined();
  });
});
