import { describe, expect, it } from "vitest";
import { acceptedFirst } from "./causal-order.ts";
import type { JournalEntry } from "./entry.ts";

let seq = 0;
const entry = (jobId: string, outcome: JournalEntry["outcome"], queue = "{q}"): JournalEntry => {
  seq += 1;
  return {
    id: `${1_000 + seq}-0`,
    at: new Date(1_000 + seq).toISOString(),
    queue,
    outcome,
    deliveryId: jobId,
    jobId,
    subscription: "s",
    eventType: "PNR_V3",
    operation: "BOOKING_CREATED",
  };
};

const story = (entries: JournalEntry[]) => entries.map((e) => `${e.jobId}:${e.outcome}`);

describe("acceptedFirst", () => {
  it("moves an acceptance Redis stamped after its own job's outcome to just before it", () => {
    const entries = [
      entry("wh-1", "accepted"),
      entry("wh-2", "applied"),
      entry("wh-3", "filtered"),
      entry("wh-2", "accepted"),
      entry("wh-2", "duplicate"),
    ];
    expect(story(acceptedFirst(entries))).toEqual([
      "wh-1:accepted",
      "wh-2:accepted",
      "wh-2:applied",
      "wh-3:filtered",
      "wh-2:duplicate",
    ]);
  });

  it("leaves entries in time order when every acceptance came first, and never moves across queues or blank job ids", () => {
    const entries = [
      entry("wh-1", "accepted"),
      entry("wh-1", "applied"),
      entry("wh-4", "applied", "{other}"),
      entry("wh-4", "accepted"),
      entry("", "dead-lettered"),
      entry("", "accepted"),
    ];
    expect(acceptedFirst(entries)).toEqual(entries);
  });
});
