import { describe, expect, it } from "vitest";
import { immediateRetries, retryDelaysMs, scheduleSpanMs } from "./schedule.ts";

describe("Spotnana's retry schedule", () => {
  it("retries 5 times at once, then backs off from 1 minute, doubling", () => {
    const delays = retryDelaysMs();
    expect(delays.slice(0, immediateRetries)).toEqual([0, 0, 0, 0, 0]);
    expect(delays.slice(immediateRetries, immediateRetries + 4)).toEqual([
      60_000, 120_000, 240_000, 480_000,
    ]);
  });

  it("spans exactly 14 days, the last delay shortened to fit", () => {
    const delays = retryDelaysMs();
    expect(delays.reduce((a, b) => a + b, 0)).toBe(scheduleSpanMs);
    const last = delays.at(-1) ?? 0;
    const before = delays.at(-2) ?? 0;
    expect(last).toBeGreaterThan(0);
    expect(last).toBeLessThanOrEqual(before * 2);
  });
});
