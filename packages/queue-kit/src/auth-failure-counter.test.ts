import { afterAll, describe, expect, it } from "vitest";
import { connect, deletePrefix, uniquePrefix } from "../../../test/support/redis.ts";
import { createAuthFailureCounter } from "./auth-failure-counter.ts";
import { keyNames } from "./keys.ts";

const redis = connect();
const prefix = uniquePrefix("auth-failures");
const keys = keyNames(prefix);
const counter = createAuthFailureCounter(redis, keys);

afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

describe("auth failure counter", () => {
  it("counts failures in a fixed window that later failures do not stretch", async () => {
    const first = await counter.count("client", "203.0.113.1|a", 60_000);
    expect(first.count).toBe(1);
    expect(first.resetMs).toBeGreaterThan(59_000);
    await redis.pexpire(keys.authFailures("client", "203.0.113.1|a"), 30_000);
    const second = await counter.count("client", "203.0.113.1|a", 60_000);
    expect(second.count).toBe(2);
    expect(second.resetMs).toBeLessThanOrEqual(30_000);
  });

  it("peeks at a window's count and time left without adding to it", async () => {
    for (let i = 0; i < 3; i++) await counter.count("address", "203.0.113.2", 60_000);
    const seen = await counter.peek("address", "203.0.113.2");
    expect(seen.count).toBe(3);
    expect(seen.resetMs).toBeGreaterThan(0);
    expect(seen.resetMs).toBeLessThanOrEqual(60_000);
    expect((await counter.peek("address", "203.0.113.2")).count).toBe(3);
    expect(await redis.get(keys.authFailures("address", "203.0.113.2"))).toBe("3");
  });

  it("peeks a count of 0 and creates no key where nothing failed", async () => {
    const seen = await counter.peek("client", "203.0.113.3|nobody");
    expect(seen.count).toBe(0);
    expect(seen.resetMs).toBeLessThan(0);
    expect(await redis.exists(keys.authFailures("client", "203.0.113.3|nobody"))).toBe(0);
  });
});
