import { queueNamesFor, unroutedQueueNames } from "@skyhook/contracts";
import { describe, expect, it } from "vitest";
import { configErrorOf } from "../../../test/support/config-error.ts";
import { loadIngressConfig } from "./config.ts";

const cancelled = queueNamesFor("PNR_V3", "FLIGHT_CANCELLED").queue;
const created = queueNamesFor("PNR_V3", "BOOKING_CREATED").queue;
const daySec = 24 * 3600;

describe("the ingress's bounds configuration", () => {
  it("defaults to the documented budget and bounds", () => {
    const { bounds } = loadIngressConfig({});
    expect(bounds.shed).toMatchObject({
      sampleMs: 1_000,
      memoryRatio: 0.9,
      memoryBytesWhenUnlimited: undefined,
      retryAfterSec: 30,
    });
    expect(bounds.shed.backlogBudget(cancelled)).toBe(100_000);
    expect(bounds.shed.backlogBudget(unroutedQueueNames.queue)).toBe(100_000);
    expect(bounds.kept).toEqual({
      bounds: {
        "dead-letter": { maxCount: 100_000, maxAgeSec: 30 * daySec },
        stale: { maxCount: 100_000, maxAgeSec: 30 * daySec },
        "catch-all": { maxAgeSec: 30 * daySec },
        rejected: { maxCount: 10_000, maxAgeSec: 14 * daySec },
        filtered: { maxCount: 100_000, maxAgeSec: 14 * daySec },
      },
      sweepMs: 60_000,
    });
  });

  it("gives an operation named in BACKLOG_BUDGETS its own budget, the catch-all CATCH_ALL_MAX_COUNT", () => {
    const { bounds } = loadIngressConfig({
      BACKLOG_BUDGET: "500",
      BACKLOG_BUDGETS: "PNR_V3/FLIGHT_CANCELLED=20, PNR_V3/FLIGHT_CANCELED=7",
      CATCH_ALL_MAX_COUNT: "9",
    });
    expect(bounds.shed.backlogBudget(cancelled)).toBe(7);
    expect(bounds.shed.backlogBudget(created)).toBe(500);
    expect(bounds.shed.backlogBudget(unroutedQueueNames.queue)).toBe(9);
  });

  it("names every bad bound variable at once", () => {
    const { problems } = configErrorOf(() =>
      loadIngressConfig({
        SHED_MEMORY_RATIO: "1.5",
        SHED_MEMORY_BYTES: "12",
        BACKLOG_BUDGETS: "PNR_V3=5,PNR_V3/BOOKING_CREATED=0",
        KEPT_MAX_COUNT: "0",
        KEPT_SWEEP_MS: "5",
      }),
    );
    const message = problems.join("\n");
    expect(message).toMatch(/SHED_MEMORY_RATIO/);
    expect(message).toMatch(/SHED_MEMORY_BYTES/);
    expect(message).toMatch(/BACKLOG_BUDGETS: "PNR_V3=5" is not/);
    expect(message).toMatch(/BACKLOG_BUDGETS: "PNR_V3\/BOOKING_CREATED=0" is not/);
    expect(message).toMatch(/KEPT_MAX_COUNT/);
    expect(message).toMatch(/KEPT_SWEEP_MS/);
  });
});
