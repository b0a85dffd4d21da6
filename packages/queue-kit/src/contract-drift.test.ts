import { createCatalog, type EventJob } from "@skyhook/contracts";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { prefixedRedis } from "../../../test/support/redis.ts";
import { clearDrift, createDriftRecorder, defaultDriftSettings } from "./contract-drift.ts";
import { driftPathCounts, readContractDrift } from "./drift-report.ts";
import { createEnqueuer } from "./enqueuer.ts";
import { webhookJobId } from "./job-ids.ts";
import { keyNames } from "./keys.ts";
import { createLedger } from "./ledger.ts";
import { createQueuePool } from "./queue-pool.ts";

const rig = prefixedRedis();
const { redis } = rig;
const logger = pino({ level: "silent" });
afterAll(rig.cleanUp);

function setup() {
  const prefix = rig.prefix("drift");
  return { prefix, keys: keyNames(prefix) };
}

const created = { eventType: "PNR_V3", operation: "BOOKING_CREATED" };
const at = (minute: number) => new Date(Date.UTC(2026, 11, 1, 12, minute));

describe("the drift recorder", () => {
  it("counts each path per sampled event, keeping its first sighting's time and delivery id", async () => {
    const { keys } = setup();
    const recorder = createDriftRecorder(redis, keys);
    const seatMap = "airPnr.legs[].flights[].seatMap";
    await recorder.record(created, { paths: [seatMap], truncated: false }, "msg-1", at(1));
    await recorder.record(
      created,
      { paths: [seatMap, "loyalty"], truncated: true },
      "msg-2",
      at(2),
    );
    await recorder.record(created, { paths: [], truncated: false }, "msg-3", at(3));

    const report = await readContractDrift(redis, keys);
    expect(report.rows).toEqual([
      {
        ...created,
        kind: "field",
        subject: seatMap,
        count: 2,
        firstSeen: at(1).toISOString(),
        lastSeen: at(2).toISOString(),
        exampleDeliveryId: "msg-1",
      },
      {
        ...created,
        kind: "field",
        subject: "loyalty",
        count: 1,
        firstSeen: at(2).toISOString(),
        lastSeen: at(2).toISOString(),
        exampleDeliveryId: "msg-2",
      },
    ]);
    expect(report.pairs).toEqual([{ ...created, sampled: 3, paths: 2, dropped: 0, truncated: 1 }]);
    const ttl = await redis.ttl(keys.drift("PNR_V3", "BOOKING_CREATED"));
    expect(ttl).toBeGreaterThan(defaultDriftSettings.ttlSec - 60);
    expect(await redis.ttl(keys.driftPairs())).toBeGreaterThan(0);
  });

  it("records no new path once the pair holds its bound, and counts what it left out", async () => {
    const { keys } = setup();
    const recorder = createDriftRecorder(redis, keys, { maxPathsPerPair: 2, ttlSec: 60 });
    await recorder.record(created, { paths: ["a", "b", "c"], truncated: false }, "m1");
    await recorder.record(created, { paths: ["a", "d"], truncated: false }, "m2");
    const report = await readContractDrift(redis, keys);
    expect(report.rows.map((r) => [r.subject, r.count])).toEqual([
      ["a", 2],
      ["b", 1],
    ]);
    expect(report.pairs[0]).toMatchObject({ paths: 2, dropped: 2 });
    expect(
      await driftPathCounts(redis, keys, [created, { eventType: "X", operation: "Y" }]),
    ).toEqual([
      { ...created, paths: 2 },
      { eventType: "X", operation: "Y", paths: 0 },
    ]);
  });
});

describe("clearDrift", () => {
  it("forgets one pair's fields, leaving the other pairs", async () => {
    const { keys } = setup();
    const recorder = createDriftRecorder(redis, keys);
    const cancelled = { eventType: "PNR_V3", operation: "FLIGHT_CANCELLED" };
    await recorder.record(created, { paths: ["a"], truncated: false }, "m1");
    await recorder.record(cancelled, { paths: ["b"], truncated: false }, "m2");
    expect(await clearDrift(redis, keys, created)).toBe(true);
    expect(await clearDrift(redis, keys, created)).toBe(false);
    const report = await readContractDrift(redis, keys);
    expect(report.rows.map((r) => [r.operation, r.subject])).toEqual([["FLIGHT_CANCELLED", "b"]]);
    expect(report.pairs.map((p) => p.operation)).toEqual(["FLIGHT_CANCELLED"]);
  });
});

describe("readContractDrift's unknown values", () => {
  it("reads operations and event types the contracts do not know from the catch-all, without writing", async () => {
    const { prefix, keys } = setup();
    const queues = createQueuePool({ connection: redis, prefix, logger });
    const enqueuer = createEnqueuer({
      queues,
      ledger: createLedger(redis, keys),
      timeoutMs: 5_000,
      settings: { dedupTtlSec: 600 },
    });
    const catalog = createCatalog([]);
    const event = (eventType: string, operation: string, id: string): EventJob => ({
      v: 1,
      deliveryId: id,
      deliveryIdSource: "webhook-id",
      subscription: "s",
      receivedAt: "2026-12-01T12:00:00.000Z",
      eventType,
      operation,
      keys: {},
      trace: { requestId: "r" },
      envelope: { payload: {} },
    });
    const send = (eventType: string, operation: string, id: string) =>
      enqueuer.enqueue(
        catalog.route(eventType, operation),
        event(eventType, operation, id),
        webhookJobId(id),
      );
    /** Every drift key: each pair's hash and the index of pairs. */
    const driftKeys = async () => [
      ...(await redis.keys(keys.drift("*", "*"))),
      ...(await redis.keys(keys.driftPairs())),
    ];
    // Known to the contracts (only unhandled): not drift.
    await send("PNR_V3", "TICKET_VOIDED", "v1");
    await send("PNR_V3", "SEAT_UPGRADED", "u1");
    // The newest is told by its job's timestamp, in milliseconds: u2 must come a millisecond
    // later than u1, or the two tie and either may be the example.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const before = Date.now();
    await send("PNR_V3", "SEAT_UPGRADED", "u2");
    await send("PNR_V3", "REFUND", "r1");
    await send("HOTEL_V1", "BOOKED", "h1");
    const written = await driftKeys();

    const report = await readContractDrift(redis, keys);
    expect(report.rows.map((r) => [r.kind, r.eventType, r.operation, r.subject, r.count])).toEqual([
      ["event-type", "HOTEL_V1", "BOOKED", "HOTEL_V1", 1],
      ["operation", "PNR_V3", "REFUND", "REFUND", 1],
      ["operation", "PNR_V3", "SEAT_UPGRADED", "SEAT_UPGRADED", 2],
    ]);
    const upgraded = report.rows.find((r) => r.operation === "SEAT_UPGRADED");
    expect(upgraded?.exampleDeliveryId).toBe("u2");
    expect(Date.parse(upgraded?.lastSeen ?? "")).toBeGreaterThanOrEqual(before - 1);
    expect(Date.parse(upgraded?.firstSeen ?? "")).toBeLessThanOrEqual(
      Date.parse(upgraded?.lastSeen ?? ""),
    );
    expect(report.rows.find((r) => r.operation === "REFUND")?.note).toBe(
      "corroborated, not documented",
    );
    expect(written).toEqual([]);
    expect(await driftKeys()).toEqual([]);
    await queues.close();
  });
});
