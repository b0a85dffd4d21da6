import { afterAll, describe, expect, it } from "vitest";
import { connect, deletePrefix, uniquePrefix } from "../../../test/support/redis.ts";
import { createDownstreamBreaker } from "./downstream-breaker.ts";
import { keyNames } from "./keys.ts";

const redis = connect();
const prefix = uniquePrefix("breaker");
const keys = keyNames(prefix);
const breaker = createDownstreamBreaker(redis, keys, {
  failureThreshold: 3,
  baseIntervalMs: 1_000,
  maxIntervalMs: 5_000,
});
afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

const failure = (nowMs: number, unavailable = false, retryAfterMs?: number) => ({
  unavailable,
  retryAfterMs,
  nowMs,
});

describe("the downstream breaker", () => {
  it("opens after the threshold of failures in a row, and a success closes it", async () => {
    const queue = "{q.threshold}";
    expect(await breaker.failed(queue, failure(0))).toEqual({ opened: false, holdMs: 0 });
    expect(await breaker.failed(queue, failure(1))).toEqual({ opened: false, holdMs: 0 });
    expect(await breaker.failed(queue, failure(2))).toEqual({ opened: true, holdMs: 1_000 });
    expect(await breaker.state(queue)).toEqual({
      state: "open",
      failures: 3,
      openedAtMs: 2,
      intervalMs: 1_000,
      untilMs: 1_002,
    });
    expect(await breaker.succeeded(queue)).toBe(true);
    expect(await breaker.state(queue)).toEqual({ state: "closed", failures: 0 });
    expect(await breaker.succeeded(queue)).toBe(false);
  });

  it("opens at once when the downstream says it is unavailable, for its Retry-After", async () => {
    const queue = "{q.unavailable}";
    expect(await breaker.failed(queue, failure(100, true, 30_000))).toEqual({
      opened: true,
      holdMs: 30_000,
    });
    expect(await breaker.state(queue)).toMatchObject({ state: "open", untilMs: 30_100 });
  });

  it("doubles the interval at each failed probe, up to the maximum", async () => {
    const queue = "{q.doubling}";
    await breaker.failed(queue, failure(0, true));
    const holds: number[] = [];
    for (let i = 1; i <= 4; i++) holds.push((await breaker.failed(queue, failure(i))).holdMs);
    expect(holds).toEqual([2_000, 4_000, 5_000, 5_000]);
  });

  it("lets one run at a time probe while it is open, and a new failure frees the probe", async () => {
    const queue = "{q.probe}";
    await breaker.failed(queue, failure(0, true));
    expect(await breaker.claimProbe(queue, "run-1", 10_000)).toBe(true);
    expect(await breaker.claimProbe(queue, "run-2", 10_000)).toBe(false);
    await breaker.failed(queue, failure(1, true));
    expect(await breaker.claimProbe(queue, "run-2", 10_000)).toBe(true);
    await breaker.succeeded(queue);
    expect(await breaker.claimProbe(queue, "run-3", 10_000)).toBe(true);
  });
});
