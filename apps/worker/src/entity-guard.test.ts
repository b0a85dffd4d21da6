import { createLedger, keyNames } from "@skyhook/queue-kit";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it, vi } from "vitest";
import { createEntityGuard } from "./entity-guard.ts";

const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", {
  maxRetriesPerRequest: null,
});
const prefix = `test-guard-${Math.random().toString(16).slice(2, 10)}`;
const keys = keyNames(prefix);
const guard = createEntityGuard(redis, keys, { lockMs: 10_000, markTtlSec: 600 });

afterAll(async () => {
  const found = await redis.keys(`${prefix}:*`);
  if (found.length > 0) await redis.del(...found);
  redis.disconnect();
});

describe("createEntityGuard", () => {
  it("gives one entity to one holder at a time, and to the next once released", async () => {
    const first = await guard.lock("pnr:A");
    expect(first).toBeDefined();
    expect(await guard.lock("pnr:A")).toBeUndefined();
    const other = await guard.lock("pnr:B");
    expect(other).toBeDefined();
    await first?.release();
    const next = await guard.lock("pnr:A");
    expect(next).toBeDefined();
    await next?.release();
    await other?.release();
  });

  it("holds the lock for lockMs, so a crashed holder frees it by itself", async () => {
    await guard.lock("pnr:TTL");
    const ttlMs = await redis.pttl(keys.entityLock("pnr:TTL"));
    expect(ttlMs).toBeGreaterThan(9_000);
    expect(ttlMs).toBeLessThanOrEqual(10_000);
  });

  it("never frees a lock another holder took after its own expired", async () => {
    const late = await guard.lock("pnr:C");
    await redis.del(keys.entityLock("pnr:C"));
    const current = await guard.lock("pnr:C");
    expect(current).toBeDefined();
    await late?.release();
    expect(await guard.lock("pnr:C")).toBeUndefined();
    await current?.release();
  });

  it("hands the holder the newest position applied before it, and remembers the newer of each field with its TTL", async () => {
    const first = await guard.lock("pnr:D");
    expect(first?.newest()).toBeUndefined();
    await first?.advanceAndRelease({ entity: "pnr:D", version: 3, timestampMs: 5_000 });
    const second = await guard.lock("pnr:D");
    expect(second?.newest()).toEqual({ entity: "pnr:D", version: 3, timestampMs: 5_000 });
    await second?.advanceAndRelease({ entity: "pnr:D", version: 2, timestampMs: 9_000 });
    const third = await guard.lock("pnr:D");
    expect(third?.newest()).toEqual({ entity: "pnr:D", version: 3, timestampMs: 9_000 });
    const ttlSec = await redis.ttl(keys.entityNewest("pnr:D"));
    expect(ttlSec).toBeGreaterThan(590);
    expect(ttlSec).toBeLessThanOrEqual(600);
    await third?.release();
  });

  it("keeps a field only one of the positions has, and reads the mark with the lock only", async () => {
    const first = await guard.lock("pnr:E");
    await first?.advanceAndRelease({ entity: "pnr:E", timestampMs: 7_000 });
    const second = await guard.lock("pnr:E");
    expect(second?.newest()).toEqual({ entity: "pnr:E", timestampMs: 7_000 });
    await second?.advanceAndRelease({ entity: "pnr:E", version: 4 });
    const third = await guard.lock("pnr:E");
    expect(third?.newest()).toEqual({ entity: "pnr:E", version: 4, timestampMs: 7_000 });
    // Moved meanwhile (as a holder whose lock lapsed would): the holder still has what it read.
    await redis.set(keys.entityNewest("pnr:E"), JSON.stringify({ entity: "pnr:E", version: 9 }));
    expect(third?.newest()).toEqual({ entity: "pnr:E", version: 4, timestampMs: 7_000 });
    await third?.release();
  });

  it("releases the lock when it records the position", async () => {
    const holder = await guard.lock("pnr:F");
    await holder?.advanceAndRelease({ entity: "pnr:F", version: 1 });
    expect(await redis.exists(keys.entityLock("pnr:F"))).toBe(0);
    const next = await guard.lock("pnr:F");
    expect(next).toBeDefined();
    await next?.release();
  });

  it("never moves the mark back nor frees another's lock when its own lock lapsed mid-handler", async () => {
    const late = await guard.lock("pnr:G");
    expect(late?.newest()).toBeUndefined();
    await redis.del(keys.entityLock("pnr:G"));
    const meanwhile = await guard.lock("pnr:G");
    await meanwhile?.advanceAndRelease({ entity: "pnr:G", version: 5, timestampMs: 1_000 });
    const current = await guard.lock("pnr:G");
    await late?.advanceAndRelease({ entity: "pnr:G", version: 3, timestampMs: 2_000 });
    expect(await guard.lock("pnr:G")).toBeUndefined();
    await current?.release();
    const after = await guard.lock("pnr:G");
    expect(after?.newest()).toEqual({ entity: "pnr:G", version: 5, timestampMs: 2_000 });
    await after?.release();
  });

  it("reads back exactly the numbers and the entity it recorded", async () => {
    const entity = 'pnr:Q"\\/é\u0001}';
    const order = { entity, version: 2 ** 31 + 7, timestampMs: 1_764_237_600_122.9998 };
    const first = await guard.lock(entity);
    await first?.advanceAndRelease(order);
    const second = await guard.lock(entity);
    expect(second?.newest()).toStrictEqual(order);
    await second?.release();
  });

  it("refuses a mark that does not parse to the holder, which can still release", async () => {
    await redis.set(keys.entityNewest("pnr:H"), "not json");
    const holder = await guard.lock("pnr:H");
    expect(() => holder?.newest()).toThrow(SyntaxError);
    await holder?.release();
    expect(await redis.exists(keys.entityLock("pnr:H"))).toBe(0);
  });
});

describe("EntityLock.completeAndRelease", () => {
  const ledger = createLedger(redis, keys);
  const queue = "{pnr-v3.test-applied}";
  const key = { subscription: "spotnana", eventType: "PNR_V3", operation: "TEST_APPLIED" };
  const field = "completed|spotnana|PNR_V3|TEST_APPLIED";
  /** BullMQ's hash of a job: the count marks it, and counts nothing once it is gone. */
  const job = async (jobId: string) => {
    await redis.hset(keys.job(queue, jobId), "name", "PNR_V3.TEST_APPLIED");
    return ledger.completion(queue, jobId, key);
  };

  it("counts the completion once, records the position and releases the lock, in one command", async () => {
    const count = await job("wh-complete-1");
    const holder = await guard.lock("pnr:K");
    const sent = vi.spyOn(redis, "sendCommand");
    await holder?.completeAndRelease({ entity: "pnr:K", version: 4 }, count);
    expect(sent).toHaveBeenCalledTimes(1);
    sent.mockRestore();
    expect(await redis.hget(keys.ledger(queue), field)).toBe("1");
    expect(await ledger.wasCompleted(queue, "wh-complete-1")).toBe(true);
    expect(await redis.exists(keys.entityLock("pnr:K"))).toBe(0);
    const next = await guard.lock("pnr:K");
    expect(next?.newest()).toEqual({ entity: "pnr:K", version: 4 });
    // A re-run after a crash before BullMQ finished the job: counted once, position kept.
    await next?.completeAndRelease({ entity: "pnr:K", version: 4 }, count);
    expect(await redis.hget(keys.ledger(queue), field)).toBe("1");
    expect(await redis.exists(keys.entityLock("pnr:K"))).toBe(0);
  });

  it("sends the count and the position as two scripts at once where the client is a Cluster", async () => {
    // A Cluster routes each script to its slot's node; here one server answers both, which
    // shows what is sent and that the two together do what the single script does.
    const clustered = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", {
      maxRetriesPerRequest: null,
    });
    Object.defineProperty(clustered, "isCluster", { value: true });
    try {
      const count = await job("wh-complete-cluster");
      const holder = await createEntityGuard(clustered, keys, {
        lockMs: 10_000,
        markTtlSec: 600,
      }).lock("pnr:N");
      const sent = vi.spyOn(clustered, "sendCommand");
      await holder?.completeAndRelease({ entity: "pnr:N", version: 7 }, count);
      expect(sent).toHaveBeenCalledTimes(2);
      expect(await ledger.wasCompleted(queue, "wh-complete-cluster")).toBe(true);
      expect(await redis.exists(keys.entityLock("pnr:N"))).toBe(0);
      const next = await guard.lock("pnr:N");
      expect(next?.newest()).toEqual({ entity: "pnr:N", version: 7 });
      await next?.release();
    } finally {
      clustered.disconnect();
    }
  });

  it("counts nothing for a job that is gone, and still records the position", async () => {
    const gone = { ...key, operation: "GONE" };
    const count = ledger.completion(queue, "wh-never-stored", gone);
    const holder = await guard.lock("pnr:L");
    await holder?.completeAndRelease({ entity: "pnr:L", version: 1 }, count);
    expect(await redis.hget(keys.ledger(queue), "completed|spotnana|PNR_V3|GONE")).toBeNull();
    expect(await ledger.wasCompleted(queue, "wh-never-stored")).toBe(false);
    expect(JSON.parse((await redis.get(keys.entityNewest("pnr:L"))) ?? "null")).toEqual({
      entity: "pnr:L",
      version: 1,
    });
  });

  it("never moves the mark back nor frees another's lock when its own lock lapsed", async () => {
    const count = await job("wh-complete-late");
    const late = await guard.lock("pnr:M");
    await redis.del(keys.entityLock("pnr:M"));
    const meanwhile = await guard.lock("pnr:M");
    await meanwhile?.advanceAndRelease({ entity: "pnr:M", version: 5 });
    const current = await guard.lock("pnr:M");
    await late?.completeAndRelease({ entity: "pnr:M", version: 3 }, count);
    expect(await ledger.wasCompleted(queue, "wh-complete-late")).toBe(true);
    expect(await guard.lock("pnr:M")).toBeUndefined();
    await current?.release();
    const after = await guard.lock("pnr:M");
    expect(after?.newest()).toEqual({ entity: "pnr:M", version: 5 });
    await after?.release();
  });
});
