import { describe, expect, it } from "vitest";
import { createLimiter, runClosedModel, runOpenModel } from "./load.ts";

describe("load models", () => {
  it("open model: starts each slot on its clock without waiting for answers, late slots at once with their own due time, until told to stop", async () => {
    // Ten slots are already due: they start at once, each still measured from its own slot.
    const startMs = Date.now() - 50;
    const due: number[] = [];
    const { slots, maxLagMs } = await runOpenModel({
      ratePerSec: 200,
      startMs,
      start: (slot, dueMs) => {
        due.push(dueMs);
        // An answer that never comes must not hold the next slot back.
        void new Promise(() => undefined);
        return slot < 19;
      },
    });
    expect(slots).toBe(20);
    expect(due).toHaveLength(20);
    expect(due[0]).toBe(startMs);
    expect(due[19]).toBeCloseTo(startMs + 19 * 5, 6);
    expect(maxLagMs).toBeGreaterThanOrEqual(45);
  });

  it("closed model: never more in flight than the concurrency, and every item sent once", async () => {
    let inFlight = 0;
    let most = 0;
    const items = Array.from({ length: 25 }, (_, i) => i);
    const sent: number[] = [];
    await runClosedModel(4, () => {
      const item = items.shift();
      if (item === undefined) return undefined;
      inFlight++;
      most = Math.max(most, inFlight);
      return new Promise<void>((resolve) =>
        setTimeout(() => {
          inFlight--;
          sent.push(item);
          resolve();
        }, 2),
      );
    });
    expect(most).toBe(4);
    expect(sent.sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it("limiter: runs at most its limit at once, the rest in arrival order", async () => {
    const limiter = createLimiter(1);
    const order: string[] = [];
    const task = (name: string) =>
      limiter.run(async () => {
        order.push(`${name} start`);
        await new Promise((resolve) => setTimeout(resolve, 1));
        order.push(`${name} end`);
      });
    await Promise.all([task("a"), task("b")]);
    expect(order).toEqual(["a start", "a end", "b start", "b end"]);
  });
});
