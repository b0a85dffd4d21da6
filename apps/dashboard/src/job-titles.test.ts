import type { DeadLetterJob, StaleEventJob } from "@skyhook/contracts";
import { describe, expect, it } from "vitest";
import { deadLetterTitle, filteredTitle, staleTitle } from "./job-titles.ts";

const chain = "TypeError: fetch failed ← Error: connect ECONNREFUSED 127.0.0.1:9 (ECONNREFUSED)";

function letter(failure: Partial<DeadLetterJob["failure"]> = {}): DeadLetterJob {
  return {
    v: 1,
    event: { v: 1 },
    failure: {
      reason: "retries-exhausted",
      error: chain,
      queue: "{pnr-v3.flight-cancelled}",
      jobId: "wh-1",
      attemptsMade: 8,
      history: [{ attempt: 8, error: "TypeError: fetch failed" }],
      deadLetteredAt: "2026-06-01T12:00:00.000Z",
      ...failure,
    },
  };
}

function stale(order: StaleEventJob["stale"]["order"], newest: StaleEventJob["stale"]["newest"]) {
  return {
    v: 1,
    event: {},
    stale: {
      queue: "{pnr-v3.booking-created}",
      jobId: "wh-2",
      order,
      newest,
      skippedAt: "2026-06-01T12:00:00.000Z",
    },
  };
}

describe("deadLetterTitle", () => {
  it("names the reason and the whole cause chain", () => {
    expect(deadLetterTitle({ name: "PNR_V3.FLIGHT_CANCELLED", data: letter() })).toBe(
      `retries-exhausted — ${chain}`,
    );
  });

  it("falls back to the last attempt's error for a letter written without the chain", () => {
    expect(deadLetterTitle({ name: "n", data: letter({ error: undefined }) })).toBe(
      "retries-exhausted — TypeError: fetch failed",
    );
  });

  it("names the reason alone when no error was recorded", () => {
    expect(deadLetterTitle({ name: "n", data: letter({ error: undefined, history: [] }) })).toBe(
      "retries-exhausted",
    );
  });

  it("keeps the job's own name when its data is not a dead letter", () => {
    expect(deadLetterTitle({ name: "added-by-hand", data: { hello: "world" } })).toBe(
      "added-by-hand",
    );
    expect(deadLetterTitle(undefined)).toBe("");
  });

  it("shortens a very long error so one job cannot swamp the list", () => {
    const title = deadLetterTitle({ name: "n", data: letter({ error: "x".repeat(5_000) }) });
    expect(title).toHaveLength(300);
    expect(title.endsWith("…")).toBe(true);
  });
});

describe("staleTitle", () => {
  it("compares versions when both events have one", () => {
    const data = stale({ entity: "pnr:1", version: 3 }, { entity: "pnr:1", version: 5 });
    expect(staleTitle({ name: "n", data })).toBe(
      "skipped stale — version 3, older than the applied version 5",
    );
  });

  it("compares times otherwise, as the worker does", () => {
    const data = stale(
      { entity: "trip:1", timestampMs: Date.UTC(2026, 5, 1, 10) },
      { entity: "trip:1", version: 2, timestampMs: Date.UTC(2026, 5, 1, 11) },
    );
    expect(staleTitle({ name: "n", data })).toBe(
      "skipped stale — 2026-06-01T10:00:00.000Z, older than the applied 2026-06-01T11:00:00.000Z",
    );
  });

  it("keeps the job's own name when its data is not a stale record", () => {
    expect(staleTitle({ name: "PNR_V3.BOOKING_CREATED", data: { v: 1 } })).toBe(
      "PNR_V3.BOOKING_CREATED",
    );
  });
});

describe("filteredTitle", () => {
  const kept = {
    v: 1,
    event: {},
    filtered: {
      reason: "operation-excluded",
      queue: "{pnr-v3.booking-created}",
      jobId: "wh-3",
      filteredAt: "2026-06-01T12:00:00.000Z",
    },
  };

  it("names the filter that dropped the delivery", () => {
    expect(filteredTitle({ name: "PNR_V3.BOOKING_CREATED", data: kept })).toBe(
      "filtered — operation-excluded",
    );
  });

  it("keeps the job's own name when its data is not a filtered delivery", () => {
    expect(filteredTitle({ name: "by hand", data: { v: 2 } })).toBe("by hand");
  });
});
