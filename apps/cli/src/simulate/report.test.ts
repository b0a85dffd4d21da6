import type { DeliveryRecord } from "@skyhook/spotnana-sender";
import { describe, expect, it } from "vitest";
import type { JobWhereabouts } from "./read-back.ts";
import { checkDeliveries, formatReport, summarize } from "./report.ts";

const event = {
  seq: 0,
  eventType: "PNR_V3",
  operation: "BOOKING_CREATED",
  entity: "P",
  large: false,
  body: "{}",
};
const record = (id: string, jobId: string, duplicate = false): DeliveryRecord => ({
  id,
  event,
  duplicate,
  attempts: 1,
  acknowledged: true,
  jobId,
  lastAnswer: duplicate ? "200 duplicate" : "200 accepted",
  ackLatencyMs: 5,
});
const at = (entries: [string, Partial<JobWhereabouts>][]) =>
  new Map(entries.map(([id, w]) => [id, { found: true, inFlight: false, completed: 1, ...w }]));

describe("the simulator's check", () => {
  it("measures end to end from an event's first attempt to its job's finish, leaving out jobs no worker finished and duplicates", () => {
    const sent = (id: string, firstDueMs: number, duplicate = false) => ({
      ...record(id, `wh-${id}`, duplicate),
      firstDueMs,
    });
    const check = checkDeliveries(
      [sent("a", 1_000), sent("b", 2_000), sent("c", 3_000), sent("a", 9_000, true)],
      at([
        ["wh-a", { finishedOnMs: 1_040 }],
        ["wh-b", { finishedOnMs: 2_010 }],
        ["wh-c", {}],
      ]),
      0,
    );
    expect(check.e2eLatencyMs).toEqual({ p50: 10, p95: 40, p99: 40, max: 40, events: 2 });
  });

  it("counts a delivery acknowledged under two job ids that both completed as applied twice", () => {
    const check = checkDeliveries(
      [record("d1", "wh-d1"), record("d1", "ev-other", true)],
      at([
        ["wh-d1", {}],
        ["ev-other", {}],
      ]),
      0,
    );
    expect(check).toMatchObject({ appliedTwice: 1, appliedTwiceIds: ["d1"], lost: 0 });
  });

  it("counts a delivery none of whose jobs is found as lost, and adds the ledger's shortfall", () => {
    const check = checkDeliveries(
      [record("d1", "wh-d1"), record("d2", "wh-d2")],
      at([
        ["wh-d1", {}],
        ["wh-d2", { found: false, completed: 0 }],
      ]),
      2,
    );
    expect(check).toMatchObject({
      lost: 3,
      lostJobIds: ["wh-d2"],
      ledgerShortfall: 2,
      appliedTwice: 0,
    });
  });

  it("fails the run when a job is still in flight, and says so in the table", () => {
    const records = [record("d1", "wh-d1")];
    const check = checkDeliveries(records, at([["wh-d1", { inFlight: true, completed: 0 }]]), 0);
    const report = summarize(
      { records, answers: new Map([["200 accepted", 1]]), attempts: 1, elapsedMs: 1_000 },
      check,
      {
        url: "http://r",
        mode: "hmac",
        load: "open",
        nodes: 1,
        timeScale: 1,
        checkedIn: "redis:6379",
      },
    );
    expect(report.ok).toBe(false);
    const text = formatReport(report);
    expect(text).toMatch(/still in flight\s+1/);
    expect(text).toMatch(/checked in\s+redis:6379/);
    expect(text).toContain("FAILED");
  });
});
