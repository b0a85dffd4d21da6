import { describe, expect, it } from "vitest";
import { immediateRetries, retryDelaysMs, scheduleSpanMs } from "./retry-schedule.ts";

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

  it("divides every delay by the time scale, so 14 days pass in 14 days / scale", () => {
    const scaled = retryDelaysMs(100_000);
    expect(scaled.slice(immediateRetries, immediateRetries + 2)).toEqual([0.6, 1.2]);
    expect(scaled.reduce((a, b) => a + b, 0)).toBeCloseTo(scheduleSpanMs / 100_000, 6);
  });
});
