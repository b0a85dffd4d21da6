import { describe, expect, it } from "vitest";
import { defaultRetryPolicy, retryDelayMs } from "./retry-policy.ts";

describe("retryDelayMs", () => {
  const policy = { ...defaultRetryPolicy, backoffMs: 1_000, maxBackoffMs: 10_000, jitter: 0.5 };

  it("doubles from the base delay and stops at the cap", () => {
    expect([1, 2, 3, 4, 5, 6, 30].map((retry) => retryDelayMs(policy, retry, 0))).toEqual([
      1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000,
    ]);
  });

  it("jitters a delay down by up to its jitter share", () => {
    expect(retryDelayMs(policy, 3, 0.999_999)).toBe(2_000);
    expect(retryDelayMs(policy, 3, 0.5)).toBe(3_000);
    expect(retryDelayMs({ ...policy, jitter: 0 }, 3, 0.9)).toBe(4_000);
  });

  it("retries the default policy for three days, at most fifteen minutes apart", () => {
    expect(defaultRetryPolicy.horizonSec).toBe(3 * 24 * 3600);
    expect(retryDelayMs(defaultRetryPolicy, 100, 0)).toBe(15 * 60_000);
  });
});
