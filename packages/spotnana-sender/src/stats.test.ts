import { describe, expect, it } from "vitest";
import { formatMs, latencyOf, percentile } from "./stats.ts";

describe("percentile", () => {
  it("takes the nearest rank of sorted values", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 1)).toBe(7);
    expect(percentile([1, 2, 3], 0)).toBe(1);
  });

  it("answers NaN for no values, which meets no target and reads n/a", () => {
    expect(percentile([], 99)).toBeNaN();
    const none = latencyOf([]);
    expect(none.p99 <= 10).toBe(false);
    expect(formatMs(none.max)).toBe("n/a");
    expect(JSON.parse(JSON.stringify(none))).toEqual({
      p50: null,
      p95: null,
      p99: null,
      max: null,
    });
    expect(formatMs(12)).toBe("12 ms");
  });
});
