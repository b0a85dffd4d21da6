import { keyNames } from "@skyhook/queue-kit";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
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

  it("remembers the newest position applied, with its TTL, the newer of each field", async () => {
    const lock = await guard.lock("pnr:D");
    expect(await lock?.newest()).toBeUndefined();
    await lock?.advance({ entity: "pnr:D", version: 3, timestampMs: 5_000 });
    expect(await lock?.newest()).toEqual({ entity: "pnr:D", version: 3, timestampMs: 5_000 });
    await lock?.advance({ entity: "pnr:D", version: 2, timestampMs: 9_000 });
    expect(await lock?.newest()).toEqual({ entity: "pnr:D", version: 3, timestampMs: 9_000 });
    const ttlSec = await redis.ttl(keys.entityNewest("pnr:D"));
    expect(ttlSec).toBeGreaterThan(590);
    expect(ttlSec).toBeLessThanOrEqual(600);
    await lock?.release();
  });
});
